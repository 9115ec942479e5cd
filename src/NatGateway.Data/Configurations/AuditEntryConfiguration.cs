using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("AuditLog");
        builder.HasKey(e => e.Id);
        // SQLite cannot order by DateTimeOffset natively; UTC ticks sort in SQL.
        builder.Property(e => e.At).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        builder.HasIndex(e => e.At);
        builder.Property(e => e.Actor).HasMaxLength(128).IsRequired();
        builder.HasIndex(e => e.Actor);
        builder.Property(e => e.Address).HasMaxLength(64);
        builder.Property(e => e.Action).HasMaxLength(256).IsRequired();
        builder.Property(e => e.Result).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Detail).HasMaxLength(1024);
    }
}

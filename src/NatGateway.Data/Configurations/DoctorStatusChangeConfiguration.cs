using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class DoctorStatusChangeConfiguration : IEntityTypeConfiguration<DoctorStatusChange>
{
    public void Configure(EntityTypeBuilder<DoctorStatusChange> builder)
    {
        builder.ToTable("DoctorStatusChanges");
        builder.HasKey(c => c.Id);
        // Enums by name, so the table reads on its own and a reordered enum cannot change history.
        builder.Property(c => c.Check).HasConversion<string>().HasMaxLength(32);
        builder.Property(c => c.From).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.To).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.Summary).HasMaxLength(DoctorStatusChange.MaxSummaryLength).IsRequired();
        // SQLite cannot order by DateTimeOffset natively; UTC ticks sort in SQL.
        builder.Property(c => c.At).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        builder.HasIndex(c => c.At);
        builder.HasIndex(c => c.Check);
    }
}

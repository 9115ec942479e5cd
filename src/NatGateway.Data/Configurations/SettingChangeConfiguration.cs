using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class SettingChangeConfiguration : IEntityTypeConfiguration<SettingChange>
{
    public void Configure(EntityTypeBuilder<SettingChange> builder)
    {
        builder.ToTable("SettingChanges");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Key).HasMaxLength(256).IsRequired();
        builder.Property(c => c.OldValue).HasMaxLength(256);
        builder.Property(c => c.NewValue).HasMaxLength(256).IsRequired();
        builder.Property(c => c.ChangedBy).HasMaxLength(256);
        // SQLite cannot order by DateTimeOffset natively; store UTC ticks so history sorts in SQL.
        builder.Property(c => c.ChangedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        builder.HasIndex(c => c.ChangedAt);
        builder.HasIndex(c => c.Key);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class NatRuleRecordConfiguration : IEntityTypeConfiguration<NatRuleRecord>
{
    public void Configure(EntityTypeBuilder<NatRuleRecord> builder)
    {
        builder.ToTable("NatRules");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Kind).HasMaxLength(16).IsRequired();
        builder.Property(r => r.Name).HasMaxLength(64).IsRequired();
        builder.Property(r => r.Document).IsRequired();
        builder.Property(r => r.CreatedBy).HasMaxLength(256);
        builder.Property(r => r.UpdatedBy).HasMaxLength(256);
        builder.Property(r => r.CreatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        builder.Property(r => r.UpdatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        builder.HasIndex(r => r.Position);
        // A mark id identifies "the rule that created this flow": never two rules with the same one.
        builder.HasIndex(r => r.MarkId).IsUnique();
    }
}

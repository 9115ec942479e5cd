using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("ApiTokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Name).HasMaxLength(64).IsRequired();
        builder.Property(t => t.Prefix).HasMaxLength(32).IsRequired();
        builder.HasIndex(t => t.Prefix).IsUnique();
        builder.Property(t => t.SecretHash).HasMaxLength(64).IsRequired();
        builder.Property(t => t.Role).HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.CreatedBy).HasMaxLength(128);
        builder.Property(t => t.LastUsedFrom).HasMaxLength(64);
        builder.Property(t => t.CreatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
    }
}

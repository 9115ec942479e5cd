using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class ClusterSecretConfiguration : IEntityTypeConfiguration<ClusterSecret>
{
    public void Configure(EntityTypeBuilder<ClusterSecret> builder)
    {
        builder.ToTable("ClusterSecrets");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Secret).IsRequired();
        builder.Property(s => s.SetBy).HasMaxLength(256);
        builder.Property(s => s.SetAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class RevisionDocumentConfiguration : IEntityTypeConfiguration<RevisionDocument>
{
    public void Configure(EntityTypeBuilder<RevisionDocument> builder)
    {
        builder.ToTable("RevisionDocuments");
        builder.HasKey(d => d.Hash);
        builder.Property(d => d.Hash).HasMaxLength(64);
        builder.Property(d => d.Content).IsRequired();
    }
}

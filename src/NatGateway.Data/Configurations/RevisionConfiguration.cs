using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NatGateway.Data.Entities;

namespace NatGateway.Data.Configurations;

internal sealed class RevisionConfiguration : IEntityTypeConfiguration<Revision>
{
    public void Configure(EntityTypeBuilder<Revision> builder)
    {
        builder.ToTable("Revisions");
        builder.HasKey(r => r.Id);
        // Stored by the names the column always held ("pending-confirmation", "auto-revert"): no data migration.
        builder.Property(r => r.Kind).HasMaxLength(16).IsRequired()
            .HasConversion(v => RevisionNames.Text(v), v => RevisionNames.ParseKind(v));
        builder.Property(r => r.State).HasMaxLength(24).IsRequired()
            .HasConversion(v => RevisionNames.Text(v), v => RevisionNames.ParseState(v));
        builder.Property(r => r.Author).HasMaxLength(256);
        builder.Property(r => r.Comment).HasMaxLength(1000);
        // The large documents live once in RevisionDocuments (content-addressed); the row keeps their hashes.
        builder.Ignore(r => r.RulesDocument);
        builder.Ignore(r => r.RulesetJson);
        builder.Ignore(r => r.RulesetText);
        builder.Ignore(r => r.Diff);
        builder.Property(r => r.RulesHash).HasMaxLength(64).IsRequired();
        builder.Property(r => r.RulesetJsonHash).HasMaxLength(64).IsRequired();
        builder.Property(r => r.RulesetTextHash).HasMaxLength(64);
        builder.Property(r => r.DiffHash).HasMaxLength(64);
        // Restrict: a document goes only when no revision holds it any more (RevisionStore.PruneAsync).
        builder.HasOne<RevisionDocument>().WithMany().HasForeignKey(r => r.RulesHash).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<RevisionDocument>().WithMany().HasForeignKey(r => r.RulesetJsonHash).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<RevisionDocument>().WithMany().HasForeignKey(r => r.RulesetTextHash).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<RevisionDocument>().WithMany().HasForeignKey(r => r.DiffHash).OnDelete(DeleteBehavior.Restrict);
        builder.Property(r => r.CreatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        builder.Property(r => r.ConfirmBy).HasConversion(v => v.HasValue ? v.Value.UtcTicks : (long?)null,
            v => v.HasValue ? new DateTimeOffset(v.Value, TimeSpan.Zero) : null);
        builder.Property(r => r.Outcome).HasMaxLength(1000);
        builder.HasIndex(r => r.CreatedAt);
        builder.HasIndex(r => r.State);
    }
}

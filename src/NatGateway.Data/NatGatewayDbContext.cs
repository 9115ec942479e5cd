using Microsoft.EntityFrameworkCore;
using NatGateway.Data.Entities;

namespace NatGateway.Data;

/// <summary>The appliance's state in SQLite. Schema changes only through migrations in migrations/.</summary>
public sealed class NatGatewayDbContext(DbContextOptions<NatGatewayDbContext> options) : DbContext(options)
{
    public DbSet<SettingChange> SettingChanges => Set<SettingChange>();
    public DbSet<NatRuleRecord> NatRules => Set<NatRuleRecord>();
    public DbSet<Revision> Revisions => Set<Revision>();
    public DbSet<RevisionDocument> RevisionDocuments => Set<RevisionDocument>();
    public DbSet<UserAccount> Users => Set<UserAccount>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<DoctorStatusChange> DoctorStatusChanges => Set<DoctorStatusChange>();
    public DbSet<ClusterSecret> ClusterSecrets => Set<ClusterSecret>();

    // A revision's documents are stored content-addressed whoever adds it (RevisionDocuments.StoreAdded).
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        Data.RevisionDocuments.StoreAdded(this);
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        Data.RevisionDocuments.StoreAdded(this);
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(NatGatewayDbContext).Assembly);
}

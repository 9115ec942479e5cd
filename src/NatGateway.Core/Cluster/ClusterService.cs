using Microsoft.Extensions.Logging;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Nat;

namespace NatGateway.Core.Cluster;

/// <summary>Why a cluster action cannot run now (not configured, cluster mode off, nothing to convert); the API answers 409.</summary>
public sealed class ClusterActionRefusedException(string message) : Exception(message);

/// <summary>
/// The HA pair for pages, the API and the CLI: the view (<see cref="ViewAsync"/>, one model for the Cluster page,
/// <c>GET /api/v1/cluster</c> and <c>natgw ha status</c>), changes as commit-confirmed revisions (<see cref="ApplyAsync"/>,
/// <see cref="FailoverAsync"/>), and the masquerade → SNAT conversion. Kernel work goes through
/// <see cref="IGatewayKernel.Cluster"/> inside the apply pipeline only.
/// </summary>
public sealed class ClusterService(
    RevisionService revisions,
    RevisionStore store,
    NatRulesService rules,
    ClusterSecretStore secrets,
    ClusterMode mode,
    IGatewayKernel kernel,
    IClusterPeerStatus peer,
    TimeProvider clock,
    ILogger<ClusterService> logger,
    Sync.ClusterRoleGate? role = null)
{
    /// <summary>Raised after a revision changes (cluster or not) or the peer's state changes: live views rebuild.</summary>
    public event Action? Changed
    {
        add { revisions.Changed += value; }
        remove { revisions.Changed -= value; }
    }

    public IClusterPeerStatus Peer => peer;

    /// <summary>Loads the cluster configuration in force into <see cref="ClusterMode"/> (at start; the pipeline keeps it after).</summary>
    public async Task LoadModeAsync(CancellationToken ct = default)
    {
        // Only when nothing was applied yet: recovery at start may already have handed the services a configuration.
        if (mode.InForce is null) mode.Set((await revisions.ClusterInForceAsync(ct)).Config);
    }

    public async Task<ClusterView> ViewAsync(CancellationToken ct = default)
    {
        var (revisionId, config) = await revisions.ClusterInForceAsync(ct);
        var inForce = config is { Enabled: true } ? await store.RulesInForceAsync(ct) : [];
        ClusterServicesStatus? status = null;
        string? statusError = null;
        try { status = kernel.Cluster.Status(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            statusError = e.Message;
            logger.LogDebug(e, "cluster services status unavailable");
        }
        var p = peer.Current;
        var local = new ClusterNodeView
        {
            Name = config?.Local.Name, ConfiguredRole = config?.Local.Role, Priority = config?.Local.Priority,
            EffectivePriority = config?.Local.EffectivePriority, StandDown = config?.Local.StandDown ?? false,
            State = status?.State ?? VrrpState.Unknown, LastTransition = status?.LastTransition,
            KeepalivedRunning = status?.KeepalivedRunning, ConntrackdRunning = status?.ConntrackdRunning, Sync = status?.Sync,
            RevisionId = revisionId, StatusError = statusError,
        };
        var remote = new ClusterNodeView
        {
            Name = p.PeerName ?? config?.Peer.Name, State = p.PeerServices?.State ?? VrrpState.Unknown, LastTransition = p.PeerServices?.LastTransition,
            KeepalivedRunning = p.PeerServices?.KeepalivedRunning, ConntrackdRunning = p.PeerServices?.ConntrackdRunning, Sync = p.PeerServices?.Sync,
            RevisionId = p.PeerRevisionId,
        };
        var view = new ClusterView
        {
            At = clock.GetUtcNow(), Config = config, Secret = await secrets.InfoAsync(ct), Local = local, Peer = remote,
            Replication = new ClusterReplicationView(config is { Enabled: true } ? p.State : PeerReplicationState.NotConfigured, p.LastContact, p.BehindBy,
                p.ListenerError is { } listener ? string.Join("; ", new[] { listener, p.LastError }.OfType<string>()) : p.LastError),
            MasqueradeRules = inForce.OfType<MasqueradeRule>().Where(m => m.Enabled).Select(m => new ClusterRuleRef(m.Id, m.Name)).ToList(),
        };
        return view with { Findings = ClusterHealth.Evaluate(view, inForce) };
    }

    /// <summary>
    /// Errors that stop <paramref name="config"/> beyond its own fields: on the backup of a pair, a change to the shared
    /// part (<see cref="ClusterShared"/>); enabling cluster mode while an enabled masquerade rule is in force or in the
    /// draft (named under <c>enabled</c>, with the conversion offered).
    /// </summary>
    public async Task<Dictionary<string, string[]>> CheckAsync(ClusterConfig config, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        // The shared part is the primary's to change: the backup takes it with every replicated revision.
        if (role?.LocalChangeRefusal() is { } reason && mode.InForce?.Shared is { } current && !current.SameAs(config.Shared))
        {
            var shared = config.Shared;
            foreach (var (key, same) in new[]
                     {
                         ("enabled", current.Enabled == shared.Enabled), ("virtualRouterId", current.VirtualRouterId == shared.VirtualRouterId),
                         ("advertIntervalSeconds", current.AdvertInterval == shared.AdvertInterval),
                         ("virtualAddresses", current.VirtualAddresses.SequenceEqual(shared.VirtualAddresses)),
                     })
                if (!same)
                    errors[key] = [$"is shared by the pair and replicated from the primary: change it there (a resync from the primary replaces this node's); {reason}"];
            return errors;
        }
        if (!config.Enabled) return errors;
        var names = (await store.RulesInForceAsync(ct)).Concat(await rules.ListAsync(ct))
            .OfType<MasqueradeRule>().Where(m => m.Enabled).Select(m => m.Name).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count > 0)
            errors["enabled"] = [$"cluster mode refuses masquerade (the peer would translate to its own address after a failover): rule(s) "
                + string.Join(", ", names.Select(n => $"'{n}'"))
                + " must become SNAT to the outside virtual address first — save this configuration with enabled false, convert them (POST /api/v1/cluster/masquerade-to-snat or the Rules page) and apply"];
        return errors;
    }

    /// <summary>Puts <paramref name="config"/> in force as a cluster revision (validate it first: <see cref="ClusterJson.Parse(string, bool)"/>).</summary>
    public async Task<ApplyPipelineResult> ApplyAsync(ClusterConfig config, string? author, TimeSpan? confirmWithin, CancellationToken ct = default)
    {
        if (ClusterConfigValidator.Validate(config) is { Count: > 0 } errors)
            throw new ArgumentException("cluster configuration is not valid: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value[0]}")), nameof(config));
        return await revisions.ApplyClusterAsync(config, "cluster configuration", author, confirmWithin, ct);
    }

    /// <summary>
    /// "Fail over now" (<paramref name="standDown"/> true): this node stands down (<see cref="ClusterNode.StandDown"/>, VRRP
    /// priority 1) so the peer takes the VIPs; commit-confirmed — unconfirmed, the revert gives the priority back and this
    /// node preempts again. False ends a stand-down (fail back).
    /// </summary>
    public async Task<ApplyPipelineResult> FailoverAsync(bool standDown, string? author, TimeSpan? confirmWithin, CancellationToken ct = default)
    {
        var (_, config) = await revisions.ClusterInForceAsync(ct);
        if (config is not { Enabled: true }) throw new ClusterActionRefusedException("cluster mode is off: there is no peer to fail over to");
        if (config.Local.StandDown == standDown)
            throw new ClusterActionRefusedException(standDown ? $"{config.Local.Name} already stands down" : $"{config.Local.Name} does not stand down");
        var comment = standDown
            ? $"fail over now: {config.Local.Name} stands down (VRRP priority {ClusterNode.StandDownPriority}) so {config.Peer.Name} takes over"
            : $"fail back: {config.Local.Name} takes its priority {config.Local.Priority} again";
        return await revisions.ApplyClusterAsync(config with { Local = config.Local with { StandDown = standDown } }, comment, author, confirmWithin, ct);
    }

    /// <summary>
    /// Converts masquerade rules of the draft (all enabled or disabled ones, or <paramref name="ids"/>) into SNAT to the
    /// outside VIP of their family, in place (id, mark id, position, matches kept), as ONE draft change; apply stays
    /// explicit. Uses the cluster configuration in force (enabled or not: it holds the VIPs).
    /// </summary>
    public async Task<BatchOutcome> ConvertMasqueradeAsync(IReadOnlyCollection<Guid>? ids, string? actor, CancellationToken ct = default)
    {
        var (_, config) = await revisions.ClusterInForceAsync(ct);
        if (config is null)
            throw new ClusterActionRefusedException("no cluster configuration is saved: save it (enabled false is fine) so the outside virtual address is known");
        var draft = await rules.ListAsync(ct);
        var chosen = draft.OfType<MasqueradeRule>().Where(m => ids is null || ids.Contains(m.Id)).ToList();
        if (ids is not null && ids.FirstOrDefault(id => !chosen.Any(m => m.Id == id)) is var missing && missing != Guid.Empty)
            throw new ClusterActionRefusedException($"rule {missing} is not a masquerade rule of the draft");
        if (chosen.Count == 0) throw new ClusterActionRefusedException("the draft has no masquerade rule to convert");
        var converted = new List<NatRule>();
        foreach (var m in chosen)
            converted.Add((NatRule?)ClusterRulePolicy.ToSnat(m, config)
                ?? throw new ClusterActionRefusedException($"rule '{m.Name}' is {(m.Family == NatFamily.Ipv6 ? "IPv6" : "IPv4")} but the cluster has no outside virtual address of that family"));
        return await rules.SaveBatchAsync(converted, actor, ct);
    }
}

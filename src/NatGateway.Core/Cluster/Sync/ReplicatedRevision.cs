using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Capacity;
using NatGateway.Core.Revisions;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nat;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>
/// The part of a node's state the pair shares. Rules (with their ids and mark ids: a synced conntrack entry's mark must
/// name the same rule on both nodes), forwarding, rp_filter's <c>all</c>/<c>default</c>, conntrack sizing/timeouts and the
/// cluster configuration's shared part (<see cref="ClusterShared"/>: cluster mode, VRID, advert interval, VIPs).
/// Per-node values stay on each node: rp_filter per interface, the interface fixes (LRO, MSS clamp) and the cluster
/// node's own values (<see cref="ClusterConfig.Local"/>, <see cref="ClusterConfig.Peer"/>: names, priority, interfaces,
/// sync addresses, stand-down).
/// </summary>
public sealed record SharedState(IReadOnlyList<NatRule> Rules, SettingsUpdate Settings, CapacityApplyRequest? Conntrack, ClusterShared? Cluster = null)
{
    /// <summary>The shared part of a revision's whole state.</summary>
    public static SharedState Of(GatewayState state) => new(state.Rules, SharedSettings(state.Settings), state.Conntrack, state.Cluster?.Shared);

    private static SettingsUpdate SharedSettings(SettingsUpdate? s) => new()
    {
        Ipv4Forwarding = s?.Ipv4Forwarding, Ipv6Forwarding = s?.Ipv6Forwarding, RpFilterAll = s?.RpFilterAll, RpFilterDefault = s?.RpFilterDefault,
    };

    /// <summary>
    /// The state the backup puts in force: the shared part over its own per-node values (its per-interface rp_filter from
    /// <paramref name="localSettings"/>, its interface fixes kept by the journal because the target leaves them unset, its
    /// own node and peer part of <paramref name="localCluster"/> under the primary's shared cluster part).
    /// </summary>
    public GatewayState OnNode(SettingsUpdate? localSettings, ClusterConfig? localCluster) => new(Rules,
        Settings with { RpFilterInterfaces = localSettings?.RpFilterInterfaces ?? new Dictionary<string, int>() }, Conntrack,
        Cluster: Cluster is { } shared && localCluster is not null ? localCluster.WithShared(shared) : null);

    /// <summary>SHA-256 (hex) of the canonical documents: equal on both nodes exactly when they hold the same shared state.</summary>
    public string ContentHash() => Hash(DataText() + "\n" + (Cluster is { } k ? ClusterJson.SharedText(k) : ""));

    /// <summary>
    /// The hash of what a backup must never lose without a resync (rules, settings, sizing): the cluster's shared part is
    /// left out, because only the primary decides it (the backup refuses to change it) and a new backup's own first
    /// configuration is no divergence.
    /// </summary>
    public string DataHash() => Hash(DataText());

    private string DataText() => RulesHash(Rules) + "\n" + SettingsDocument.Serialize(Settings) + "\n" + (Conntrack is { } c ? ConntrackDocument.Serialize(c) : "");

    // The rules' part is the costly one (10,000 rules: a few MB serialized) and the sync loop hashes the revision in force on
    // both nodes every round: hashed once per list instance. The store hands out one shared, read-only list per rules document.
    private static readonly ConditionalWeakTable<IReadOnlyList<NatRule>, string> RulesHashes = new();

    // Positions as the list orders them (a document read back numbers them so; a list built in memory may not).
    private static string RulesHash(IReadOnlyList<NatRule> rules) =>
        RulesHashes.GetValue(rules, list => Hash(RulesDocument.Serialize(list.Select((r, i) => r with { Position = i }).ToList())));

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>
/// One revision as the primary sends it to the backup (<c>POST /peer/v1/revisions</c>): its id (the backup stores it
/// under the same id), what made it, and the shared state. <see cref="Resync"/> is the operator's explicit resync: only
/// then may the backup drop revisions the primary does not have.
/// </summary>
public sealed record ReplicatedRevision(long Id, RevisionKind Kind, string? Author, string? Comment, SharedState State, bool Resync = false)
{
    public const string Format = "natgw-replicated-revision";
    public const int Version = 1;

    /// <summary>Kinds that are local to a node's kernel and never replicated.</summary>
    public static bool Replicates(RevisionKind kind) => kind is not RevisionKind.Baseline;

    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("version", Version);
            w.WriteNumber("id", Id);
            w.WriteString("kind", Kind.Text());
            if (Author is not null) w.WriteString("author", Author);
            if (Comment is not null) w.WriteString("comment", Comment);
            w.WriteBoolean("resync", Resync);
            w.WritePropertyName("rules");
            w.WriteStartArray();
            foreach (var rule in State.Rules) NatRuleJson.Write(w, rule);
            w.WriteEndArray();
            w.WritePropertyName("settings");
            SettingsDocument.Write(w, State.Settings);
            if (State.Conntrack is { } c)
            {
                w.WritePropertyName("conntrack");
                w.WriteRawValue(ConntrackDocument.Serialize(c));
            }
            if (State.Cluster is { } cluster)
            {
                w.WritePropertyName("cluster");
                ClusterJson.WriteShared(w, cluster);
            }
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>
    /// Parses a peer's body. The peer is authenticated, but its document is still input: every rule goes through the
    /// REST parser (the apply validates the list again), settings through the settings parser. Errors are keyed by JSON path.
    /// </summary>
    public static (ReplicatedRevision? Revision, Dictionary<string, string[]> Errors) Parse(ReadOnlySpan<byte> body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail("body", "must be a JSON object");
            if (!root.TryGetProperty("format", out var f) || f.ValueKind != JsonValueKind.String || f.GetString() != Format)
                return Fail("format", $"must be \"{Format}\"");
            if (!root.TryGetProperty("version", out var v) || !v.TryGetInt32(out var version) || version != Version)
                return Fail("version", $"must be {Version}");
            if (!root.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var id) || id < 1) return Fail("id", "must be a positive revision id");
            if (!root.TryGetProperty("kind", out var k) || k.ValueKind != JsonValueKind.String) return Fail("kind", "is required");
            RevisionKind kind;
            try { kind = RevisionNames.ParseKind(k.GetString()!); }
            catch (InvalidDataException e) { return Fail("kind", e.Message); }
            if (!Replicates(kind)) return Fail("kind", $"a {kind.Text()} revision is local to its node and never replicated");
            var author = OptionalString(root, "author", errors);
            var comment = OptionalString(root, "comment", errors);
            if (TextLimits.CommentError(comment) is { } tooLong) errors["comment"] = [tooLong];
            var resync = root.TryGetProperty("resync", out var r) && r.ValueKind == JsonValueKind.True;

            if (!root.TryGetProperty("rules", out var rulesElement) || rulesElement.ValueKind != JsonValueKind.Array) return Fail("rules", "must be an array");
            var rules = new List<NatRule>(rulesElement.GetArrayLength());
            var i = 0;
            foreach (var e in rulesElement.EnumerateArray())
            {
                var parsed = NatRuleJson.Parse(e);
                if (parsed.Success) rules.Add(parsed.Rule! with { Position = i });
                else
                    foreach (var issue in parsed.Errors.GroupBy(x => x.Field))
                        errors[issue.Key.Length > 0 ? $"rules[{i}].{issue.Key}" : $"rules[{i}]"] = [.. issue.Select(x => x.Message)];
                i++;
            }

            if (!root.TryGetProperty("settings", out var s) || s.ValueKind != JsonValueKind.Object) return Fail("settings", "must be an object");
            var (settings, settingErrors) = SettingsUpdateParser.Parse(s.GetRawText());
            foreach (var (key, messages) in settingErrors) errors["settings." + key] = messages;

            CapacityApplyRequest? conntrack = null;
            if (root.TryGetProperty("conntrack", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                try { conntrack = ConntrackDocument.Parse(c.GetRawText()); }
                catch (Exception e) when (e is JsonException or InvalidDataException) { errors["conntrack"] = [e.Message]; }
            }
            ClusterShared? cluster = null;
            if (root.TryGetProperty("cluster", out var k2) && k2.ValueKind != JsonValueKind.Null)
            {
                var (shared, clusterErrors) = ClusterJson.ParseShared(k2);
                foreach (var (key, messages) in clusterErrors) errors["cluster." + key] = messages;
                cluster = shared;
            }
            if (errors.Count > 0 || settings is null) return (null, errors);
            return (new ReplicatedRevision(id, kind, author, comment, new SharedState(rules, settings, conntrack, cluster), resync), errors);
        }
        catch (JsonException e)
        {
            return Fail("body", $"is not valid JSON: {e.Message}");
        }

        (ReplicatedRevision?, Dictionary<string, string[]>) Fail(string key, string message)
        {
            errors[key] = [message];
            return (null, errors);
        }
    }

    private static string? OptionalString(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.String) return e.GetString();
        errors[name] = ["must be a string"];
        return null;
    }
}

/// <summary>What a node answers to <c>GET /peer/v1/state</c>: its revision in force and its cluster services.</summary>
public sealed record PeerNodeState
{
    public required string Node { get; init; }
    public required ClusterNodeRole ConfiguredRole { get; init; }
    public required VrrpState Vrrp { get; init; }
    /// <summary>The revision in force (null: none yet).</summary>
    public long? RevisionId { get; init; }
    /// <summary><see cref="SharedState.ContentHash"/> of the revision in force (null: none yet).</summary>
    public string? ContentHash { get; init; }
    /// <summary><see cref="SharedState.DataHash"/> of the revision in force (null: none yet).</summary>
    public string? DataHash { get; init; }
    /// <summary>The highest revision id the node holds (in force or not): the primary allocates above it.</summary>
    public long MaxRevisionId { get; init; }
    /// <summary>The lowest id the node stores a replicated revision under (<c>RevisionStore.FirstReplicableIdAsync</c>);
    /// null from a node that does not say (then above <see cref="MaxRevisionId"/>).</summary>
    public long? FirstReplicableId { get; init; }
    public ClusterServicesStatus? Services { get; init; }
}

/// <summary>The backup's answer to a replicated revision.</summary>
public enum ReplicationOutcome
{
    /// <summary>Applied through the backup's pipeline and stored under the primary's id.</summary>
    Applied,
    /// <summary>The backup already holds this revision with the same content: nothing done.</summary>
    AlreadyPresent,
    /// <summary>The backup holds revisions or content the primary does not: refused until a resync.</summary>
    Diverged,
    /// <summary>This node is not the backup (it is primary, or standalone): refused.</summary>
    NotBackup,
    /// <summary>The backup's apply failed (validation, nftables, a sysctl): the revision in force there is unchanged.</summary>
    Failed,
}

public sealed record ReplicationResult(ReplicationOutcome Outcome, long? RevisionId, string? Reason);

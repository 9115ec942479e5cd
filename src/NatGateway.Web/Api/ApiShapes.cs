using System.Text.Json;
using NatGateway.Conntrack;
using NatGateway.Core.Capacity;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;

namespace NatGateway.Web.Api;

// The request and response shapes of the API for the OpenAPI document (/openapi/v1.json). The handlers read their
// bodies by hand through JsonBody and the domain parsers, and many answer with anonymous objects, so these records
// only describe the wire format (camelCase, as served); they are not used to bind or serialize. Keep them in step
// with the handlers.

/// <summary>PUT /api/v1/settings. rpFilter: {"all": 2, "default": 1, "interfaces": {"eth0": 1}}.</summary>
public sealed record SettingsChangeRequest(bool? Ipv4Forwarding, bool? Ipv6Forwarding, RpFilterChange? RpFilter, bool? Persist);
public sealed record RpFilterChange(int? All, int? Default, Dictionary<string, int>? Interfaces);
public sealed record SettingsApplied(long RevisionId, string State, DateTimeOffset? ConfirmBy, KernelSettingsView Current);

/// <summary>A NAT rule as sent (POST/PUT): kind is masquerade, snat or dnat; the fields that apply depend on the kind.</summary>
public sealed record NatRuleRequest(
    string Kind, string Name, string? Description, bool? Enabled, string? Family,
    IReadOnlyList<string>? InInterfaces, IReadOnlyList<string>? OutInterfaces,
    IReadOnlyList<string>? SourceCidrs, IReadOnlyList<string>? DestinationCidrs,
    string? Protocol, string? Ports, string? TranslateTo, IReadOnlyList<string>? Options,
    string? DestinationAddress, string? DestinationPort, string? TargetAddress, string? TargetPort, bool? Hairpin, Guid? Id = null);

/// <summary>A NAT rule as served: the request's fields plus identity, position, counters and warnings.</summary>
public sealed record NatRuleView(
    string Kind, Guid Id, string Name, string? Description, bool Enabled, int Position, string Family, int MarkId,
    IReadOnlyList<string>? InInterfaces, IReadOnlyList<string>? OutInterfaces,
    IReadOnlyList<string>? SourceCidrs, IReadOnlyList<string>? DestinationCidrs,
    string? Protocol, string? Ports, string? TranslateTo, IReadOnlyList<string>? Options,
    string? DestinationAddress, string? DestinationPort, string? TargetAddress, string? TargetPort, bool? Hairpin,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? CreatedBy, string? UpdatedBy,
    long Packets, long Bytes, IReadOnlyList<FieldWarning> Warnings);
public sealed record FieldWarning(string Field, string Message);

public sealed record ReorderRequest(IReadOnlyList<Guid> Order);
/// <summary>GET /api/v1/rules with page, pageSize, search, kind or enabled: one page of the draft.</summary>
public sealed record RulePage(IReadOnlyList<NatRuleView> Items, int Page, int PageSize, int TotalCount, int PageCount);
/// <summary>POST /api/v1/rules/batch: rules in the REST shape; one with the id of an existing rule replaces it.</summary>
public sealed record BatchRequest(IReadOnlyList<NatRuleRequest> Rules);
/// <summary>What a batch saved; position as in the rule's shape (0 is the top), in request order. Also serialized as the answer.</summary>
public sealed record BatchResult(int Created, int Updated, IReadOnlyList<BatchRuleResult> Rules);
public sealed record BatchRuleResult(Guid Id, string Name, int Position, int MarkId);
/// <summary>POST /api/v1/rules/{id}/move: either position (1 is the top, as the Rules page numbers rows) or before (null: to the end).</summary>
public sealed record MoveRequest(int? Position, Guid? Before);
/// <summary>POST /api/v1/rules/bulk: action is enable, disable or delete.</summary>
public sealed record BulkRequest(string Action, IReadOnlyList<Guid> Ids);
/// <summary>What a bulk action changed. Also serialized as the answer.</summary>
public sealed record BulkResult(string Action, int Changed);
/// <summary>POST /api/v1/rules/apply (all optional; an empty body is fine).</summary>
public sealed record ApplyRequest(string? Comment, int? ConfirmWithinSeconds, bool? PurgeChangedFlows);
/// <summary>Rollback and reapply options (all optional; an empty body is fine).</summary>
public sealed record ApplyOptionsRequest(string? Comment, int? ConfirmWithinSeconds);
public sealed record ApplyOutcome(long RevisionId, string State, DateTimeOffset? ConfirmBy, string? Outcome);
public sealed record RuleFlows(IReadOnlyList<RuleFlowCount> PerRule, IReadOnlyList<int> ChangedMarkIds);
public sealed record PurgeOutcome(Guid RuleId, int Deleted);
public sealed record DiscardOutcome(int Discarded);
public sealed record RuleCountersView(Guid RuleId, long Packets, long Bytes,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<BackendCountersView>? Backends = null);
/// <summary>Counters of backend <see cref="Backend"/> (the index in the rule's "backends") of a load-balanced forward.</summary>
public sealed record BackendCountersView(int Backend, long Packets, long Bytes);
public sealed record DriftView(bool HasDrift, IReadOnlyList<string> Diff);
/// <summary>The generated ruleset as nft text and libnftables JSON, and what the kernel holds now.</summary>
public sealed record RulesetView(string Text, JsonElement Json, string Kernel);

public sealed record RevisionDetail(RevisionSummary Summary, JsonElement Rules, JsonElement? Settings, string? RulesetText, string? Diff);
public sealed record ConfirmOutcome(long RevisionId, string State);
public sealed record RuleHistoryEntry(RevisionSummary Revision, RuleChange Change);
/// <summary>The versioned state document of <c>natgw config export</c>.</summary>
public sealed record StateDocument(string Format, int Version, IReadOnlyList<NatRuleRequest> Rules, JsonElement? Settings);
public sealed record ImportOutcome(int Rules, bool Settings, bool Applied);

public sealed record ConntrackRow(
    uint Id, string Family, string Proto, int ProtoNumber, string? State, uint Timeout, FlowTupleView Original, FlowTupleView Reply,
    IReadOnlyList<string> Status, uint Mark, ushort Zone, uint Use, ulong? Packets, ulong? Bytes, DateTimeOffset? Start,
    IReadOnlyList<NatTranslation> Nat, int? RuleMarkId, string? Rule, string Text);
public sealed record ConntrackPage(IReadOnlyList<ConntrackRow> Items, int TotalMatching, int TotalEntries, int Page, int PageSize,
    int PageCount, string Filter, string Sort, long Version);
public sealed record ConntrackStatsView(DateTimeOffset Time, uint Entries, uint? Max, double? Fill, IReadOnlyList<CpuStats> PerCpu,
    CpuStats Total, IReadOnlyList<CpuStatsRates> Rates, CpuStatsRates TotalRates, IReadOnlyList<EntryCountPoint> History, string? Error);
public sealed record MirrorStatusView(string State, int Entries, DateTimeOffset? LastResync, long ResyncCount, long EventsApplied,
    double EventsPerSecond, long EventsLostCount, long ExpiredResyncCount, double LagMilliseconds, double LastResyncMilliseconds, string? LastError);
public sealed record ConntrackDeleteOutcome(int Deleted, string Filter);

/// <summary>POST /api/v1/capacity/plan (the same inputs as the GET's query parameters and <c>natgw plan</c>).</summary>
public sealed record CapacityPlanInput(long? ExpectedEntries, CapacityRatesInput? Rates, long? MemoryBudgetBytes, double? MemoryBudgetShareOfRam,
    double? PeakFactor, double? TargetLoadFactor, string? Extensions, bool? Masquerade, bool? EventListener, int? SnatPorts,
    int? SnatAddresses, int? SnatTargetFlowsPerDestination);
public sealed record CapacityRatesInput(double? TcpPerSecond, double? UdpPerSecond, double? IcmpPerSecond, double? OtherPerSecond,
    double? TcpMeanDurationSeconds, double? TcpUnansweredFraction, double? UdpStreamFraction, double? UdpStreamMeanDurationSeconds);
public sealed record CapacityApplied(long? RevisionId, string? State, IReadOnlyList<AppliedChange>? Changes, IReadOnlyList<ReadOnlySetting>? ReadOnly,
    string? SysctlFile, string? ModprobeFile, string? Message);

namespace NatGateway.Agent.Protocol;

/// <summary>
/// Every operation the agent runs: exactly the members of <c>IGatewayKernel</c> and its parts, nothing more (no
/// generic nft command, no file path) — configd's "only registered actions".
/// </summary>
public enum AgentOperation
{
    SysctlRead = 1,
    SysctlTryRead,
    SysctlWrite,
    SysctlIsWritable,
    NatApply,
    NatCheck,
    NatRender,
    NatListText,
    NatReadCounters,
    NatDetectDrift,
    ConntrackTableStats,
    ConntrackCpuStats,
    /// <summary>Answered with <see cref="FrameType.DumpData"/> frames, then a <see cref="FrameType.Response"/>.</summary>
    ConntrackDump,
    ConntrackCount,
    ConntrackDelete,
    ConntrackDeleteFlows,
    ConntrackFlush,
    /// <summary>Turns the connection into an event relay (<see cref="FrameType.Events"/> frames until it closes).</summary>
    ConntrackEvents,
    /// <summary>Turns the connection into a mirror relay: events, and dumps on <see cref="ConntrackMirrorDump"/>.</summary>
    ConntrackMirrorSubscribe,
    /// <summary>On a mirror relay: drain, <see cref="FrameType.DumpBegins"/>, dump data, <see cref="FrameType.DumpEnds"/>.</summary>
    ConntrackMirrorDump,
    PersistSysctls,
    PersistConntrackHashsize,
    ListInterfaces,
    ListRoutes,
    ReadConntrackFacts,
    /// <summary>Parses, validates and compiles a rule list ahead of its <see cref="NatApply"/>; the kernel is not touched.</summary>
    NatPrepare,
    /// <summary>
    /// The JSON batch and listing text of the list last prepared, named by <see cref="AgentRequest.RulesHash"/>: asked for
    /// while its <see cref="NatApply"/> runs, so the documents cross the socket beside the transaction, not before it.
    /// </summary>
    NatPreparedDocuments,
    DiagnosticsSoftnet,
    DiagnosticsInterrupts,
    DiagnosticsRps,
    DiagnosticsOffloads,
    DiagnosticsSetLro,
    DiagnosticsRoutingRules,
    DiagnosticsKernelLog,
    /// <summary>Runs for the requested duration (at most <see cref="Server.RequestValidation.MaxCaptureSeconds"/>).</summary>
    DiagnosticsCaptureDrops,
    /// <summary>A live packet trace (<c>IPacketTracing.Capture</c>): runs for the requested window (at most
    /// <see cref="NatGateway.Core.Kernel.TraceLimits.MaxWindow"/>), one at a time.</summary>
    TraceCapture,
    /// <summary>Lint's read of the foreign tables' forward chains (<c>nft -j list ruleset</c>; read only).</summary>
    DiagnosticsForeignForwardChains,
    /// <summary><c>IClusterServices.Apply</c>: writes keepalived.conf/conntrackd.conf from the typed config, (re)starts both.</summary>
    ClusterApply,
    ClusterStop,
    ClusterStatus,
    /// <summary>keepalived's notify hook (<c>natgw ha notify</c>): records the transition, runs conntrackd's sequence.</summary>
    ClusterNotify,
    /// <summary><c>IGatewayKernel.ReadHostFacts</c>: interface names and addresses, forwarding on or off.</summary>
    ReadHostFacts,
    /// <summary><c>INatTables.Generation</c>: the nf_tables ruleset generation (<see cref="AgentResponse.Number"/>).</summary>
    NatGeneration,
}

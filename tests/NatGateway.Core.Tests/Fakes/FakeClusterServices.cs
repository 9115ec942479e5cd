using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>
/// The one <see cref="IClusterServices"/> double, for tests where keepalived/conntrackd are not the point: Apply
/// "starts" both (and checks the config as the real writers would) and records every configuration applied; Notify
/// records transitions as keepalived's hook would; a stand-down config (<see cref="ClusterNode.StandDown"/>) applied to
/// the primary makes it the backup (as the preempting peer would). Tests choose the state a start reports
/// (<see cref="StateOnStart"/>), set <see cref="State"/> or <see cref="Sync"/>, make Apply refuse (<see cref="ApplyFailure"/>,
/// <see cref="FailNext"/>), lose the daemons (<see cref="Lose"/>) or start the node as already running (<see cref="RunAs"/>).
/// </summary>
public sealed class FakeClusterServices : IClusterServices
{
    private readonly object _gate = new();
    private readonly List<VrrpTransition> _transitions = [];
    private VrrpState _state = VrrpState.Stopped;
    private bool _running;

    /// <summary>Every configuration applied, in order (disabled ones too: they stop the services).</summary>
    public List<ClusterConfig> Applied { get; } = [];
    public int Stops { get; private set; }
    public ConntrackdStats? Sync { get; set; } = new(0, 0, 0, 0, 0, 0);
    /// <summary>The state a start reports (keepalived's first notify); <see cref="VrrpState.Unknown"/> = none yet.</summary>
    public VrrpState StateOnStart { get; set; } = VrrpState.Unknown;
    /// <summary>Every Apply throws this while set (a daemon refusing its configuration).</summary>
    public Exception? ApplyFailure { get; set; }
    /// <summary>The next call throws this (then it is cleared): a daemon refusing, for error-path tests.</summary>
    public Exception? FailNext { get; set; }
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public IReadOnlyList<VrrpTransition> Transitions { get { lock (_gate) return _transitions.ToArray(); } }

    /// <summary>The VRRP state while running (setting it records no transition: use <see cref="Notify"/> for one).</summary>
    public VrrpState State
    {
        get { lock (_gate) return _state; }
        set { lock (_gate) _state = value; }
    }

    public void Apply(ClusterConfig config)
    {
        lock (_gate)
        {
            ThrowIfFailing();
            if (ApplyFailure is { } failure) throw failure;
            if (!config.Enabled) { StopLocked("cluster mode off"); Applied.Add(config); return; }
            ClusterFileText.EnsureWritable(config);
            Applied.Add(config);
            if (!_running)
            {
                _running = true;
                Record(StateOnStart, "started");
            }
            // keepalived reloads with priority 1 and the peer preempts within Master_Down_Interval; the fake does it now.
            else if (config.Local.StandDown && _state == VrrpState.Primary) Record(VrrpState.Backup, "stood down");
            // ... and takes the VIPs back when its priority returns (preempt, keepalived's default).
            else if (!config.Local.StandDown && Applied.Count >= 2 && Applied[^2].Local.StandDown && _state == VrrpState.Backup)
                Record(VrrpState.Primary, "priority back: preempted");
        }
    }

    public void Stop()
    {
        lock (_gate) { ThrowIfFailing(); Stops++; StopLocked("stopped"); }
    }

    public ClusterServicesStatus Status()
    {
        lock (_gate)
        {
            ThrowIfFailing();
            return new ClusterServicesStatus
            {
                KeepalivedRunning = _running, ConntrackdRunning = _running, State = _running ? _state : VrrpState.Stopped,
                LastTransition = _transitions.LastOrDefault(), Sync = _running ? Sync : null,
            };
        }
    }

    public void Notify(VrrpState state, string reason)
    {
        if (state is not (VrrpState.Primary or VrrpState.Backup or VrrpState.Fault))
            throw new ArgumentOutOfRangeException(nameof(state), state, "keepalived notifies primary, backup or fault");
        lock (_gate) { ThrowIfFailing(); Record(state, reason); }
    }

    /// <summary>As after an agent restart: keepalived and conntrackd are gone without a transition.</summary>
    public void Lose()
    {
        lock (_gate) _running = false;
    }

    /// <summary>Running in <paramref name="state"/> without an Apply through this fake (another node's keepalived, as
    /// configuration sync's tests need it).</summary>
    public FakeClusterServices RunAs(VrrpState state)
    {
        lock (_gate)
        {
            _running = true;
            Record(state, "keepalived notify");
        }
        return this;
    }

    private void StopLocked(string reason)
    {
        if (!_running) return;
        _running = false;
        Record(VrrpState.Stopped, reason);
    }

    private void Record(VrrpState to, string reason)
    {
        _transitions.Add(new VrrpTransition(Time.GetUtcNow(), _state, to, reason));
        _state = to;
    }

    private void ThrowIfFailing()
    {
        if (FailNext is { } e) { FailNext = null; throw e; }
    }
}

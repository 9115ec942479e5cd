using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>
/// <see cref="IClusterServices"/> without daemons, for tests where keepalived/conntrackd are not the point: Apply
/// "starts" both (and checks the config as the real writers would), Notify records transitions as keepalived's hook
/// would, a stand-down config (<see cref="ClusterNode.StandDown"/>) applied to the primary makes it the backup (as
/// the preempting peer would), and tests can set <see cref="Sync"/> or <see cref="FailNext"/>.
/// </summary>
public sealed class FakeClusterServices : IClusterServices
{
    private readonly object _gate = new();
    private readonly List<VrrpTransition> _transitions = [];
    private VrrpState _state = VrrpState.Stopped;
    private bool _running;

    public ClusterConfig? Applied { get; private set; }
    public int Applies { get; private set; }
    public ConntrackdStats? Sync { get; set; } = new(0, 0, 0, 0, 0, 0);
    /// <summary>The next call throws this (then it is cleared): a daemon refusing, for error-path tests.</summary>
    public Exception? FailNext { get; set; }
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public IReadOnlyList<VrrpTransition> Transitions { get { lock (_gate) return _transitions.ToArray(); } }

    public void Apply(ClusterConfig config)
    {
        lock (_gate)
        {
            ThrowIfFailing();
            Applies++;
            if (!config.Enabled) { StopLocked("cluster mode off"); Applied = config; return; }
            ClusterFileText.EnsureWritable(config);
            Applied = config;
            if (!_running)
            {
                _running = true;
                Record(VrrpState.Unknown, "started");
            }
            // keepalived reloads with priority 1 and the peer preempts within Master_Down_Interval; the fake does it now.
            else if (config.Local.StandDown && _state == VrrpState.Primary) Record(VrrpState.Backup, "stood down");
        }
    }

    public void Stop()
    {
        lock (_gate) { ThrowIfFailing(); StopLocked("stopped"); }
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

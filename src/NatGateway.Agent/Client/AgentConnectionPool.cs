using System.Collections.Concurrent;
using System.Net.Sockets;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>
/// A few reusable connections to the agent (a request holds one for its duration; the agent serves each connection on
/// its own thread, so concurrent requests run concurrently). Connection failures mark <see cref="Availability"/>
/// unavailable and surface as <see cref="KernelUnavailableException"/>.
/// </summary>
public sealed class AgentConnectionPool(string socketPath, int maxIdle = 8, TimeSpan? callTimeout = null) : IDisposable
{
    private readonly ConcurrentBag<AgentConnection> _idle = new();

    public string SocketPath { get; } = socketPath;
    public AgentAvailability Availability { get; } = new(socketPath);

    /// <summary>Opens a connection not owned by the pool (event and mirror relays keep theirs).</summary>
    public AgentConnection OpenDedicated()
    {
        try
        {
            var connection = AgentConnection.Open(SocketPath, callTimeout: callTimeout);
            Availability.MarkAvailable();
            return connection;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw Availability.MarkUnavailable(e);
        }
    }

    /// <summary>Runs <paramref name="call"/> on a pooled connection. An error answer propagates as its mapped exception (the
    /// connection goes back to the pool); a broken connection is dropped and reported as unavailable.</summary>
    public T Run<T>(Func<AgentConnection, T> call)
    {
        AgentConnection? connection = null;
        while (connection is null && _idle.TryTake(out var idle))
        {
            if (idle.IsStale) idle.Dispose();
            else connection = idle;
        }
        connection ??= OpenDedicated();
        try
        {
            var result = call(connection);
            Release(connection);
            return result;
        }
        catch (Exception e) when (e is IOException or SocketException && e is not KernelUnavailableException)
        {
            connection.Dispose();
            throw Availability.MarkUnavailable(e);
        }
        catch
        {
            Release(connection);
            throw;
        }
    }

    private void Release(AgentConnection connection)
    {
        if (connection.IsHealthy && _idle.Count < maxIdle) _idle.Add(connection);
        else connection.Dispose();
    }

    public void Dispose()
    {
        Availability.Dispose();
        while (_idle.TryTake(out var c)) c.Dispose();
    }
}

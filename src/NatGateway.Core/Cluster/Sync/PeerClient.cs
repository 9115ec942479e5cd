using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>A peer's answer that this node could not use: unreachable, refused, unsigned or unreadable.</summary>
public sealed class PeerRequestException(PeerReplicationState state, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary><see cref="PeerReplicationState.Unreachable"/> or <see cref="PeerReplicationState.AuthenticationFailed"/>.</summary>
    public PeerReplicationState State { get; } = state;
}

/// <summary>
/// Signed HTTP requests to the peer's sync listener, sent from this node's sync address (the sync link only, never the
/// management network). Every answer must carry a valid signature over its status, the request's nonce and its body.
/// </summary>
public sealed class PeerClient : IDisposable
{
    public const string StatePath = "/peer/v1/state";
    public const string RevisionsPath = "/peer/v1/revisions";

    /// <summary>camelCase, enums by name: the peer protocol's JSON.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly ClusterSyncSettings _settings;
    private readonly PeerSignature _signature;
    private readonly HttpClient _http;

    public PeerClient(ClusterSyncSettings settings, TimeProvider clock, TimeSpan? timeout = null)
    {
        _settings = settings;
        _signature = new PeerSignature(settings.Secret, clock);
        var local = settings.Listen.Address;
        var handler = new SocketsHttpHandler
        {
            // Never through a proxy from the environment: the peer is on the sync link.
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            ConnectCallback = async (context, ct) =>
            {
                // From the sync address: the peer's listener and any filter on the link see this node's sync address.
                var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(settings.Peer, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://{settings.Peer}/"),
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            MaxResponseContentBufferSize = 1 << 20,
        };
    }

    public async Task<PeerNodeState> StateAsync(CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, StatePath, [], ct);
        if (status != HttpStatusCode.OK) throw new PeerRequestException(PeerReplicationState.Unreachable, $"the peer answered {(int)status} to {StatePath}");
        return Read<PeerNodeState>(body);
    }

    public async Task<ReplicationResult> SendAsync(ReplicatedRevision revision, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, RevisionsPath, revision.Serialize(), ct);
        if (status is HttpStatusCode.OK or HttpStatusCode.Conflict) return Read<ReplicationResult>(body);
        throw new PeerRequestException(PeerReplicationState.Unreachable, $"the peer answered {(int)status} to revision {revision.Id}: {Truncate(body)}");
    }

    private async Task<(HttpStatusCode Status, byte[] Body)> SendAsync(HttpMethod method, string path, byte[] body, CancellationToken ct)
    {
        var (time, nonce, signature) = _signature.SignRequest(method.Method, path, body);
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Add(PeerHeaders.Time, time);
        request.Headers.Add(PeerHeaders.Nonce, nonce);
        request.Headers.Add(PeerHeaders.Signature, signature);
        if (method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        HttpResponseMessage response;
        byte[] answer;
        try
        {
            response = await _http.SendAsync(request, ct);
            answer = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or IOException && !ct.IsCancellationRequested)
        {
            throw new PeerRequestException(PeerReplicationState.Unreachable, $"{_settings.Peer} did not answer: {e.Message}", e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new PeerRequestException(PeerReplicationState.AuthenticationFailed,
                    $"{_settings.Peer} refused this node's signature ({Truncate(answer)}): the shared secrets differ, or the clocks are more than {PeerSignature.Window.TotalSeconds:0} s apart");
            var signed = response.Headers.TryGetValues(PeerHeaders.Signature, out var values) ? values.FirstOrDefault() : null;
            if (!_signature.VerifyResponse((int)response.StatusCode, nonce, signed, answer))
                throw new PeerRequestException(PeerReplicationState.AuthenticationFailed,
                    $"{_settings.Peer}'s answer ({(int)response.StatusCode}) carries no valid signature: not the peer, or a different shared secret");
            return (response.StatusCode, answer);
        }
    }

    private static T Read<T>(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json) ?? throw new JsonException("empty answer");
        }
        catch (JsonException e)
        {
            throw new PeerRequestException(PeerReplicationState.Unreachable, $"the peer's answer is unreadable: {e.Message}", e);
        }
    }

    private static string Truncate(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return body.Length > 300 ? text + "…" : text;
    }

    public void Dispose() => _http.Dispose();
}

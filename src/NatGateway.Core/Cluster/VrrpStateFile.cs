using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Core.Cluster;

/// <summary>
/// The VRRP state recorded by the notify hook, in the run directory: the notify may run in the agent (agent mode) or
/// in the <c>natgw ha notify</c> process itself (single-process mode), and Status must see it from either.
/// Written to a temporary file and renamed, so a reader never sees half of it. <paramref name="SequenceDone"/>: when
/// conntrackd's sequence for <paramref name="LastTransition"/> ended (null while it runs); <paramref name="SequenceError"/>:
/// the steps that failed, with conntrackd's words (null when every step succeeded).
/// </summary>
public sealed record VrrpStateRecord(VrrpState State, VrrpTransition? LastTransition, DateTimeOffset? SequenceDone = null,
    string? SequenceError = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    public static VrrpStateRecord Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<VrrpStateRecord>(File.ReadAllText(path), Json) ?? Empty;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return Empty;
        }
    }

    public void Write(string path)
    {
        var temporary = path + ".tmp" + Environment.ProcessId;
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public static VrrpStateRecord Empty { get; } = new(VrrpState.Unknown, null);
}

using System.Text;
using System.Text.Json;

namespace NatGateway.Core.Cluster;

/// <summary>
/// <see cref="ClusterView"/> as JSON: the answer of <c>GET /api/v1/cluster</c> and of <c>natgw ha status --output json</c>
/// (one writer, so both say the same). Enums by their camelCase names; the configuration in <see cref="ClusterJson"/>'s
/// shape; the shared secret only as <c>{"set": true, "setAt", "setBy"}</c>.
/// </summary>
public static class ClusterViewJson
{
    public static string Serialize(ClusterView view)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) Write(w, view);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter w, ClusterView v)
    {
        w.WriteStartObject();
        w.WriteString("at", v.At);
        w.WriteBoolean("enabled", v.Enabled);
        if (v.Config is { } config)
        {
            w.WritePropertyName("config");
            ClusterJson.Write(w, config);
        }
        else w.WriteNull("config");
        w.WriteStartObject("secret");
        w.WriteBoolean("set", v.Secret.IsSet);
        if (v.Secret.SetAt is { } at) w.WriteString("setAt", at); else w.WriteNull("setAt");
        w.WriteString("setBy", v.Secret.SetBy);
        w.WriteEndObject();
        w.WritePropertyName("local");
        Node(w, v.Local);
        w.WritePropertyName("peer");
        Node(w, v.Peer);
        w.WriteStartObject("replication");
        w.WriteString("state", Camel(v.Replication.State.ToString()));
        if (v.Replication.LastContact is { } lc) w.WriteString("lastContact", lc); else w.WriteNull("lastContact");
        w.WriteNumber("behindBy", v.Replication.BehindBy);
        w.WriteString("lastError", v.Replication.LastError);
        w.WriteEndObject();
        w.WriteStartArray("virtualAddresses");
        foreach (var vip in v.Config?.VirtualAddresses ?? [])
        {
            w.WriteStartObject();
            w.WriteString("side", ClusterJson.Name(vip.Side));
            w.WriteString("address", vip.Address.ToString());
            // Who holds it: the node that reports VRRP primary (both in a split brain).
            w.WriteStartArray("heldBy");
            if (v.Local.HoldsVirtualAddresses && v.Local.Name is { } ln) w.WriteStringValue(ln);
            if (v.Peer.HoldsVirtualAddresses && v.Peer.Name is { } pn) w.WriteStringValue(pn);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("masqueradeRules");
        foreach (var r in v.MasqueradeRules)
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("name", r.Name);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("findings");
        foreach (var f in v.Findings)
        {
            w.WriteStartObject();
            w.WriteString("kind", Camel(f.Kind.ToString()));
            w.WriteString("severity", Camel(f.Severity.ToString()));
            w.WriteString("message", f.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Node(Utf8JsonWriter w, ClusterNodeView n)
    {
        w.WriteStartObject();
        w.WriteString("name", n.Name);
        if (n.ConfiguredRole is { } role) w.WriteString("configuredRole", ClusterJson.Name(role)); else w.WriteNull("configuredRole");
        Number(w, "priority", n.Priority);
        Number(w, "effectivePriority", n.EffectivePriority);
        w.WriteBoolean("standDown", n.StandDown);
        w.WriteString("vrrpState", ClusterJson.Name(n.State));
        w.WriteBoolean("holdsVirtualAddresses", n.HoldsVirtualAddresses);
        if (n.LastTransition is { } t)
        {
            w.WriteStartObject("lastTransition");
            w.WriteString("at", t.At);
            w.WriteString("from", ClusterJson.Name(t.From));
            w.WriteString("to", ClusterJson.Name(t.To));
            w.WriteString("reason", t.Reason);
            w.WriteEndObject();
        }
        else w.WriteNull("lastTransition");
        Bool(w, "keepalivedRunning", n.KeepalivedRunning);
        Bool(w, "conntrackdRunning", n.ConntrackdRunning);
        if (n.Sync is { } s)
        {
            w.WriteStartObject("sync");
            w.WriteNumber("entriesInternalCache", s.EntriesInternalCache);
            w.WriteNumber("entriesExternalCache", s.EntriesExternalCache);
            w.WriteNumber("messagesSent", s.MessagesSent);
            w.WriteNumber("messagesReceived", s.MessagesReceived);
            w.WriteNumber("messagesLost", s.MessagesLost);
            w.WriteNumber("resyncs", s.Resyncs);
            w.WriteEndObject();
        }
        else w.WriteNull("sync");
        if (n.RevisionId is { } id) w.WriteNumber("revisionId", id); else w.WriteNull("revisionId");
        w.WriteString("statusError", n.StatusError);
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    private static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } v) w.WriteBoolean(name, v); else w.WriteNull(name);
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}

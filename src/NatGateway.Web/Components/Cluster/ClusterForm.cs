using System.Text.Json;
using NatGateway.Core.Cluster;

namespace NatGateway.Web.Components.Cluster;

/// <summary>
/// The Cluster page's configuration form: text fields turned into <see cref="ClusterJson"/>'s shape and parsed by it, so
/// each error shows at its field by JSON path (<c>local.priority</c>) exactly as the API names it. The form edits the
/// first inside and the first outside virtual address; further ones (set through the API) are kept as they are.
/// </summary>
public sealed class ClusterForm
{
    public bool Enabled { get; set; }
    public string VirtualRouterId { get; set; } = "51";
    public string AdvertIntervalSeconds { get; set; } = "1";
    public string InsideVip { get; set; } = "";
    public string OutsideVip { get; set; } = "";
    public string LocalName { get; set; } = "";
    public ClusterNodeRole Role { get; set; } = ClusterNodeRole.Primary;
    public string Priority { get; set; } = "150";
    public string InsideInterface { get; set; } = "";
    public string OutsideInterface { get; set; } = "";
    public string SyncInterface { get; set; } = "";
    public string SyncAddress { get; set; } = "";
    public string PeerName { get; set; } = "";
    public string PeerSyncAddress { get; set; } = "";
    public string PeerSyncPort { get; set; } = "5443";

    private IReadOnlyList<VirtualAddress> _extra = [];
    private bool _standDown;

    public Dictionary<string, string[]> Errors { get; private set; } = new(StringComparer.Ordinal);

    public string? ErrorOf(string key) => Errors.TryGetValue(key, out var m) ? string.Join("; ", m) : null;

    public static ClusterForm From(ClusterConfig? c)
    {
        var form = new ClusterForm();
        if (c is null) return form;
        var inside = c.VirtualAddresses.FirstOrDefault(v => v.Side == VirtualAddressSide.Inside);
        var outside = c.VirtualAddresses.FirstOrDefault(v => v.Side == VirtualAddressSide.Outside);
        form.Enabled = c.Enabled;
        form.VirtualRouterId = c.VirtualRouterId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        form.AdvertIntervalSeconds = (ClusterJson.Centiseconds(c.AdvertInterval) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture);
        form.InsideVip = inside?.Address.ToString() ?? "";
        form.OutsideVip = outside?.Address.ToString() ?? "";
        form._extra = c.VirtualAddresses.Where(v => v != inside && v != outside).ToList();
        form.LocalName = c.Local.Name;
        form.Role = c.Local.Role;
        form.Priority = c.Local.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture);
        form.InsideInterface = c.Local.InsideInterface;
        form.OutsideInterface = c.Local.OutsideInterface;
        form.SyncInterface = c.Local.SyncInterface;
        form.SyncAddress = c.Local.SyncAddress.ToString();
        form._standDown = c.Local.StandDown;
        form.PeerName = c.Peer.Name;
        form.PeerSyncAddress = c.Peer.SyncAddress.ToString();
        form.PeerSyncPort = c.Peer.SyncPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return form;
    }

    /// <summary>The configuration, or null with <see cref="Errors"/> set (numbers that do not parse are named at their field).</summary>
    public ClusterConfig? ToConfig()
    {
        Errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteBoolean("enabled", Enabled);
            Number(w, "virtualRouterId", VirtualRouterId, "virtualRouterId");
            Number(w, "advertIntervalSeconds", AdvertIntervalSeconds, "advertIntervalSeconds");
            w.WriteStartArray("virtualAddresses");
            if (InsideVip.Trim().Length > 0) Vip(w, "inside", InsideVip.Trim());
            if (OutsideVip.Trim().Length > 0) Vip(w, "outside", OutsideVip.Trim());
            foreach (var v in _extra) Vip(w, ClusterJson.Name(v.Side), v.Address.ToString());
            w.WriteEndArray();
            w.WriteStartObject("local");
            w.WriteString("name", LocalName.Trim());
            w.WriteString("role", ClusterJson.Name(Role));
            Number(w, "priority", Priority, "local.priority");
            w.WriteString("insideInterface", InsideInterface.Trim());
            w.WriteString("outsideInterface", OutsideInterface.Trim());
            w.WriteString("syncInterface", SyncInterface.Trim());
            w.WriteString("syncAddress", SyncAddress.Trim());
            w.WriteBoolean("standDown", _standDown);
            w.WriteEndObject();
            w.WriteStartObject("peer");
            w.WriteString("name", PeerName.Trim());
            w.WriteString("syncAddress", PeerSyncAddress.Trim());
            Number(w, "syncPort", PeerSyncPort, "peer.syncPort");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        if (Errors.Count > 0) return null;
        var (config, errors) = ClusterJson.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        // The form has one field per side: an error of the list or of its first entries shows there.
        foreach (var (key, messages) in errors)
            Errors[key switch
            {
                "virtualAddresses[0].address" when InsideVip.Trim().Length > 0 => "insideVip",
                "virtualAddresses[0].address" => "outsideVip",
                "virtualAddresses[1].address" when InsideVip.Trim().Length > 0 && OutsideVip.Trim().Length > 0 => "outsideVip",
                _ => key,
            }] = messages;
        return config;
    }

    private void Number(Utf8JsonWriter w, string name, string text, string key)
    {
        if (decimal.TryParse(text.Trim(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var value))
            w.WriteNumber(name, value);
        else
        {
            Errors[key] = ["must be a number"];
            w.WriteNull(name);
        }
    }

    private static void Vip(Utf8JsonWriter w, string side, string address)
    {
        w.WriteStartObject();
        w.WriteString("side", side);
        w.WriteString("address", address);
        w.WriteEndObject();
    }
}

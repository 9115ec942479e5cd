using System.Globalization;
using System.Text.Json;
using NatGateway.Conntrack;
using NatGateway.Core.Conntrack;

namespace NatGateway.Web.Cli;

/// <summary>Writes flows for <c>natgw conntrack list/watch</c> as text (the <c>conntrack -L -o extended</c> line), a JSON
/// array (list) or JSON lines (watch), or CSV with a header.</summary>
internal abstract class FlowSink(TextWriter writer)
{
    protected TextWriter Writer { get; } = writer;

    public static FlowSink Create(string output, TextWriter writer, bool withEvent = false) => output switch
    {
        "json" => new JsonSink(writer, withEvent),
        "csv" => new CsvSink(writer, withEvent),
        _ => new TextSink(writer),
    };

    public abstract void Write(in Flow flow);

    /// <summary>One event (watch): the kind, then the flow.</summary>
    public abstract void WriteEvent(FlowEventType type, in Flow flow);

    public virtual void Finish() { }

    protected static string EventName(FlowEventType type) => type switch
    {
        FlowEventType.New => "new",
        FlowEventType.Update => "update",
        _ => "destroy",
    };

    /// <summary>One reused buffer, no allocation per line: this is the path <c>list</c> of a million entries takes.</summary>
    private sealed class TextSink(TextWriter writer) : FlowSink(writer)
    {
        private readonly char[] _line = new char[1100];
        private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override void Write(in Flow flow)
        {
            var length = FlowFormatter.Format(in flow, _line, includeId: false, _now);
            _line[length] = '\n';
            Writer.Write(_line, 0, length + 1);
        }

        public override void WriteEvent(FlowEventType type, in Flow flow)
        {
            Writer.Write(type switch { FlowEventType.New => "    [NEW] ", FlowEventType.Update => " [UPDATE] ", _ => "[DESTROY] " });
            var length = FlowFormatter.Format(in flow, _line, includeId: false, DateTimeOffset.UtcNow);
            _line[length] = '\n';
            Writer.Write(_line, 0, length + 1);
        }
    }

    private sealed class JsonSink(TextWriter writer, bool lines) : FlowSink(writer)
    {
        private bool _first = true;

        public override void Write(in Flow flow)
        {
            Writer.Write(_first ? "[\n" : ",\n");
            _first = false;
            Writer.Write(JsonSerializer.Serialize(FlowView.From(in flow), ConntrackCommand.JsonOptions));
        }

        public override void WriteEvent(FlowEventType type, in Flow flow) =>
            Writer.WriteLine(JsonSerializer.Serialize(new { @event = EventName(type), flow = FlowView.From(in flow) }, ConntrackCommand.JsonOptions));

        public override void Finish()
        {
            if (lines) return;
            Writer.WriteLine(_first ? "[]" : "\n]");
        }
    }

    private sealed class CsvSink : FlowSink
    {
        public const string Header = "id,family,proto,state,timeout,src,dst,sport,dport,reply_src,reply_dst,reply_sport,reply_dport,status,mark,zone,packets,bytes";

        public CsvSink(TextWriter writer, bool withEvent) : base(writer) => Writer.WriteLine(withEvent ? "event," + Header : Header);

        public override void Write(in Flow flow) => Writer.WriteLine(Row(in flow));

        public override void WriteEvent(FlowEventType type, in Flow flow) => Writer.WriteLine(EventName(type) + "," + Row(in flow));

        private static string Row(in Flow flow)
        {
            var v = FlowView.From(in flow);
            var o = v.Original;
            var r = v.Reply;
            return string.Join(',',
                v.Id.ToString(CultureInfo.InvariantCulture), v.Family, v.Proto, v.State ?? "", v.Timeout.ToString(CultureInfo.InvariantCulture),
                o.Src, o.Dst, Num(o.Sport), Num(o.Dport), r.Src, r.Dst, Num(r.Sport), Num(r.Dport),
                string.Join('|', v.Status), v.Mark.ToString(CultureInfo.InvariantCulture), v.Zone.ToString(CultureInfo.InvariantCulture),
                Num(v.Packets), Num(v.Bytes));
        }

        private static string Num(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
        private static string Num(ulong? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
    }
}

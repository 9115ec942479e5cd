namespace NatGateway.Conntrack;

/// <summary>The listener's receive queue overflowed (ENOBUFS): the kernel dropped events. The socket stays
/// usable; a caller keeping state must resynchronise (dump the table) before trusting further events.</summary>
public sealed class EventsLostException : Exception
{
    public EventsLostException() : base("conntrack events lost (ENOBUFS): receive queue overflowed; resync by dump") { }
}

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>The modern dropwatch: counts <c>skb:kfree_skb</c> by reason and location in a tracefs instance of our own.</summary>
public static class TracefsDropCapture
{
    public static DropCapture Run(TimeSpan duration) => throw new NotSupportedException("drop capture: not built yet (issue 13 foundation)");
}

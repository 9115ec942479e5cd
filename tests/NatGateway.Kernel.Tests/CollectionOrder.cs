using NatGateway.TestSupport;
using Xunit;

// The classes marked [LongRunning] start first, longest first: two run at a time, and a long one started last would end
// the project's run alone (xunit's default order is by hash).
[assembly: TestCollectionOrderer(LongestFirstCollectionOrderer.TypeName, LongestFirstCollectionOrderer.AssemblyName)]

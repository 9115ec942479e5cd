using NatGateway.Conntrack.Mirror.Store;
using Xunit;

namespace NatGateway.Conntrack.Mirror.Tests.Store;

public sealed class IPv6AddressTableTests
{
    [Fact]
    public void Interned_addresses_survive_random_acquire_and_release_against_a_reference_model()
    {
        var table = new IPv6AddressTable();
        var model = new Dictionary<UInt128, (uint Handle, int References)>();
        var random = new Random(5);
        // Few distinct values so handles are shared, released, reused and probe chains wrap and shift.
        for (var step = 0; step < 200_000; step++)
        {
            var address = ((UInt128)0xfd77_0000_0000_0000UL << 64) | (ulong)random.Next(3000);
            if (random.Next(3) != 0 || !model.ContainsKey(address))
            {
                var handle = table.Acquire(address);
                if (model.TryGetValue(address, out var known)) Assert.Equal(known.Handle, handle);
                model[address] = (handle, model.TryGetValue(address, out var k) ? k.References + 1 : 1);
            }
            else
            {
                var (handle, references) = model[address];
                table.Release(handle);
                if (references == 1) model.Remove(address); else model[address] = (handle, references - 1);
            }
            if (step % 20_000 == 0)
                foreach (var (a, (h, _)) in model) Assert.Equal(a, table.GetIPv6(h));
        }
        Assert.Equal(model.Count, table.Count);
        foreach (var (a, (h, _)) in model) Assert.Equal(a, table.GetIPv6(h));
    }
}

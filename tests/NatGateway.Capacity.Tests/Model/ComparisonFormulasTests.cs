using NatGateway.Capacity.Model;
using Xunit;

namespace NatGateway.Capacity.Tests.Model;

public sealed class ComparisonFormulasTests
{
    [Fact]
    public void Seed_formula_is_376_per_entry_and_16_per_bucket() =>
        Assert.Equal(262144L * 376 + 262144L * 16, ComparisonFormulas.SeedFormulaBytes(262144, 262144));

    [Fact]
    public void Object_size_only_is_objsize_per_entry_and_8_per_bucket() =>
        Assert.Equal(256_000L + 8192, ComparisonFormulas.ObjectSizeOnlyBytes(256, 1000, 1024));
}

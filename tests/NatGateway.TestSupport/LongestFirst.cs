using Xunit;
using Xunit.Abstractions;

namespace NatGateway.TestSupport;

/// <summary>
/// Marks a test class as one of its project's longest: about its wall time in seconds as measured in a loaded run of
/// the project (only the order of the marks matters). xunit runs two test
/// collections at a time here (maxParallelThreads = 2 cores) and, by default, in the order of their ids' hashes: a long
/// class that happens to start last ends the project's run alone. <see cref="LongestFirstCollectionOrderer"/> starts the
/// marked classes first, longest first, and the short ones fill in beside them.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class LongRunningAttribute(int seconds) : Attribute
{
    public int Seconds { get; } = seconds;
}

/// <summary>
/// Orders test collections longest first by <see cref="LongRunningAttribute"/> on their classes (a collection weighs as
/// its classes together), unmarked collections after them in name order. Only the start order changes: which tests run,
/// their isolation and the parallelism stay as they are.
/// </summary>
public sealed class LongestFirstCollectionOrderer : ITestCollectionOrderer
{
    /// <summary>For <c>[assembly: TestCollectionOrderer(...)]</c>.</summary>
    public const string TypeName = "NatGateway.TestSupport.LongestFirstCollectionOrderer";
    public const string AssemblyName = "NatGateway.TestSupport";

    private const string DefaultCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        var collections = testCollections.ToList();
        var weights = new Dictionary<ITestCollection, int>();
        foreach (var collection in collections)
            weights[collection] = Weight(collection);
        return collections.OrderByDescending(c => weights[c]).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
    }

    /// <summary>The seconds marked on the class a default (one class) collection is made for.</summary>
    private static int Weight(ITestCollection collection)
    {
        if (!collection.DisplayName.StartsWith(DefaultCollectionPrefix, StringComparison.Ordinal)
            || collection.TestAssembly.Assembly is not IReflectionAssemblyInfo assembly)
            return 0; // a named collection runs its classes one after another; its place among the others is left alone
        var type = assembly.Assembly.GetType(collection.DisplayName[DefaultCollectionPrefix.Length..]);
        return type is null ? 0 : System.Reflection.CustomAttributeExtensions.GetCustomAttribute<LongRunningAttribute>(type, inherit: true)?.Seconds ?? 0;
    }
}

namespace NatGateway.TestSupport;

/// <summary>How a test's natgw reaches the kernel: the two modes run the same kernel tests (issue 11).</summary>
public enum KernelMode
{
    /// <summary><c>natgw serve</c> as root with its own kernel access (development, browser tests).</summary>
    SingleProcess,

    /// <summary><c>natgw agent</c> as root in the namespace, and <c>natgw serve --agent</c> as an unprivileged uid with no
    /// capabilities (<see cref="AgentMode.WebUid"/>), reaching the kernel only through the agent's socket.</summary>
    Agent,
}

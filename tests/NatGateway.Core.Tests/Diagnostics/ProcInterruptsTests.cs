using NatGateway.Core.Kernel.Diagnostics;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

public sealed class ProcInterruptsTests
{
    /// <summary>Recorded on a 2-CPU virtio VM (kernel 6.18), shortened: ERR and MIS have a single count.</summary>
    private const string VirtioVm = """
                   CPU0       CPU1       
         24:          2          0  IO-APIC   5-edge      ACPI:Ged
         38:          0      36045 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0
         39:      24157          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0
        NMI:          0          0   Non-maskable interrupts
        LOC:   12147127   12214346   Local timer interrupts
        RES:    7735039    7430921   Rescheduling interrupts
        ERR:          0
        MIS:          0
        PIN:          0          0   Posted-interrupt notification event
        """;

    /// <summary>A 4-CPU host with an Intel i40e NIC (one MSI-X vector per queue pair, named IF-TxRx-N) and an ARM-style
    /// IPI row; the shared vector line lists two actions.</summary>
    private const string MultiQueueNic = """
                   CPU0       CPU1       CPU2       CPU3       
          0:         35          0          0          0   IO-APIC   2-edge      timer
         16:          0          0          0          0   IO-APIC  16-fasteoi   i801_smbus, ehci_hcd:usb1
        126:    9812345          0          0          0   PCI-MSI 1048577-edge      eth0-TxRx-0
        127:          0    8123456          0          0   PCI-MSI 1048578-edge      eth0-TxRx-1
        128:          0          0    7000001          0   PCI-MSI 1048579-edge      eth0-TxRx-2
        129:          0          0          0    6500000   PCI-MSI 1048580-edge      eth0-TxRx-3
        IPI0:    123456     234567     345678     456789   Rescheduling interrupts
        LOC:   99999999   88888888   77777777   66666666   Local timer interrupts
        """;

    [Fact]
    public void Only_numbered_device_interrupts_are_kept_with_counts_per_cpu()
    {
        var table = ProcInterrupts.Parse(VirtioVm);
        Assert.Equal(2, table.CpuCount);
        Assert.Equal(["24", "38", "39"], table.Lines.Select(l => l.Irq));
        Assert.Equal([0UL, 36045UL], table.Lines[1].PerCpu);
        Assert.Equal("PCI-MSIX-0000:00:03.0 1-edge virtio2-input.0", table.Lines[1].Description);
    }

    [Fact]
    public void A_multi_queue_nic_has_one_vector_per_queue_each_on_its_cpu()
    {
        var table = ProcInterrupts.Parse(MultiQueueNic);
        Assert.Equal(4, table.CpuCount);
        var queues = table.Lines.Where(l => l.Description.Contains("eth0-TxRx-")).ToList();
        Assert.Equal(4, queues.Count);
        for (var q = 0; q < 4; q++)
        {
            Assert.EndsWith($"eth0-TxRx-{q}", queues[q].Description);
            Assert.Equal(4, queues[q].PerCpu.Count);
            Assert.Equal(q, queues[q].PerCpu.ToList().IndexOf(queues[q].PerCpu.Max())); // queue q is served by CPU q
        }
        Assert.Equal("IO-APIC 16-fasteoi i801_smbus, ehci_hcd:usb1", table.Lines.Single(l => l.Irq == "16").Description);
        Assert.DoesNotContain(table.Lines, l => l.Irq is "IPI0" or "LOC");
    }
}

using System.Runtime.CompilerServices;

namespace HybridAD.Tests.Selection;

/// <summary>
/// Unit tests must not depend on timing: unless the environment says otherwise, this test assembly makes
/// <c>CostCalibration.Current</c> the fixed reference calibration, so every <c>JacobianMode.Auto</c> decision in the
/// tests is deterministic (the measurement itself is tested explicitly in <see cref="CostCalibrationTests"/>).
/// </summary>
internal static class ReferenceCalibration
{
    [ModuleInitializer]
    internal static void Use()
    {
        if (Environment.GetEnvironmentVariable("HYBRIDAD_CALIBRATION") is null)
            Environment.SetEnvironmentVariable("HYBRIDAD_CALIBRATION", "reference");
    }
}

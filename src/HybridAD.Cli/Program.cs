using System.CommandLine;
using System.CommandLine.Help;
using HybridAD.Cli.Commands;
using HybridAD.Cli.Commands.Bench;

// hybridad: one file per command under Commands/, each with a static Create().
// The root is a plain Command named "hybridad" (a RootCommand would take the assembly's name).
var root = new Command("hybridad", "HybridAD: automatic differentiation in forward and reverse mode, from the command line.")
{
    new HelpOption(),
    new VersionOption(),
    DemoCommand.Create(),
    BenchCommand.Create(),
    TraceCommand.Create(),
    CalibrateCommand.Create(),
    CompareCommand.Create(),
    CheckCommand.Create(),
    TrainCommand.Create(),
};
return root.Parse(args).Invoke();

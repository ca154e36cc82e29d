using System.Threading.Tasks;

namespace Workflowy.Cli.Tests;

/// <summary>
/// The entry point of this assembly when the process tests start it (<c>dotnet exec Workflowy.Cli.Tests.dll ...</c>;
/// the test runner loads it as a library): the CLI over this assembly's workflows, as a program's Main would call it.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => WorkflowyCli.RunAsync(args);
}

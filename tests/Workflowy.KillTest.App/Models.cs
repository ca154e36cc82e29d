using System.Text.Json.Serialization;

namespace Workflowy.KillTest.App;

/// <summary>Delta's result.</summary>
public sealed record Stats(int Sum, int Max, string Tag);

/// <summary>Eta's result.</summary>
public sealed record Summary(string Label, int Total, Stats Stats);

/// <summary>Kappa's result.</summary>
public sealed record Report(string Label, int Checksum, string Trail, Summary Summary);

/// <summary>Every task's result: what the program prints, as one JSON line.</summary>
public sealed record Results(
    int Seed,
    string Title,
    int Alpha,
    int Beta,
    string Gamma,
    Stats Delta,
    string Epsilon,
    int Zeta,
    Summary Eta,
    int Theta,
    string Iota,
    Report Kappa);

/// <summary>The workflow's serializer: inputs, results and the side effect's value.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Stats))]
[JsonSerializable(typeof(Summary))]
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(Results))]
internal sealed partial class KillTestJson : JsonSerializerContext
{
}

using System.Text.Json.Serialization;

namespace OpenTracy.Ops.Protocol;

/// <summary>
/// Client → host, one JSON object per line. <see cref="Type"/>: <c>palettes</c> (send the palette
/// definitions), <c>exec</c> (run <see cref="Tokens"/> as one command line), <c>cancel</c> (stop the
/// running streamed command, e.g. <c>cluster tail</c>). <see cref="Key"/> is the ops key when the host requires one.
/// </summary>
public sealed record OpsRequest
{
    public const string Palettes = "palettes";
    public const string Exec = "exec";
    public const string Cancel = "cancel";

    [JsonPropertyName("type")] public string Type { get; init; } = Exec;
    [JsonPropertyName("tokens")] public IReadOnlyList<string>? Tokens { get; init; }
    [JsonPropertyName("key")] public string? Key { get; init; }
}

/// <summary>
/// Host → client, one JSON object per line. Every request's answer ends with exactly one
/// <c>end</c> (the final marker); before it come any number of <c>out</c> (a line for stdout; with
/// <c>--json</c> a JSON document), <c>err</c> (a line for stderr) and, for <c>palettes</c>, one <c>palettes</c>.
/// Unknown fields and types are ignored by both sides (version tolerance).
/// </summary>
public sealed record OpsResponse
{
    public const string Out = "out";
    public const string Err = "err";
    public const string PaletteList = "palettes";
    public const string End = "end";

    [JsonPropertyName("type")] public string Type { get; init; } = Out;
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("palettes")] public IReadOnlyList<PaletteInfo>? Palettes { get; init; }
    [JsonPropertyName("ok")] public bool? Ok { get; init; }

    public static OpsResponse Line(string text) => new() { Type = Out, Text = text };
    public static OpsResponse Error(string text) => new() { Type = Err, Text = text };
    public static OpsResponse Done(bool ok) => new() { Type = End, Ok = ok };
}

/// <summary>A palette: a group of commands under one name (<c>cluster</c>), with optional multi-word aliases (<c>cluster sharding</c>).</summary>
public sealed record PaletteInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("commands")] IReadOnlyList<CommandInfo> Commands,
    [property: JsonPropertyName("aliases")] IReadOnlyList<string>? Aliases = null);

/// <summary>A command; its name may have several words (<c>ratelimit show</c>). <see cref="Arguments"/> names positional arguments (help text only).</summary>
public sealed record CommandInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("switches")] IReadOnlyList<SwitchInfo> Switches,
    [property: JsonPropertyName("arguments")] string? Arguments = null);

/// <summary>A single-dash switch (<c>-a</c>) taking a value, or a flag. <see cref="Aliases"/>: other spellings accepted (<c>-t</c> for <c>-r</c>).</summary>
public sealed record SwitchInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("required")] bool Required = false,
    [property: JsonPropertyName("flag")] bool Flag = false,
    [property: JsonPropertyName("aliases")] IReadOnlyList<string>? Aliases = null);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OpsRequest))]
[JsonSerializable(typeof(OpsResponse))]
public sealed partial class OpsJson : JsonSerializerContext;

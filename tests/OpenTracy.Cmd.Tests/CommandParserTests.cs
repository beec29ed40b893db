using OpenTracy.Ops.Protocol;

namespace OpenTracy.Cmd.Tests;

public sealed class CommandParserTests
{
    private static readonly PaletteInfo Cluster = new("cluster", "", [
        new CommandInfo("show", "", []),
        new CommandInfo("down", "", [new SwitchInfo("-a", "address", Required: true)]),
    ]);

    private static readonly PaletteInfo Sharding = new("cluster-sharding", "", [
        new CommandInfo("region-stats", "", [new SwitchInfo("-r", "type", Required: true, Aliases: ["-t"])]),
    ], Aliases: ["cluster sharding"]);

    private static readonly PaletteInfo Tracy = new("tracy", "", [
        new CommandInfo("ratelimit show", "", []),
        new CommandInfo("ratelimit reset", "", []),
    ]);

    private static readonly PaletteInfo[] All = [Cluster, Sharding, Tracy];

    [Theory]
    [InlineData("cluster sharding region-stats -t limiter")]
    [InlineData("cluster-sharding region-stats -r limiter")]
    public void The_sharding_alias_and_the_t_switch_resolve_to_the_same_command(string line)
    {
        Assert.True(CommandParser.TryParse(All, CommandParser.Tokenize(line), out var parsed, out _));
        Assert.Equal("cluster-sharding", parsed!.Palette.Name);
        Assert.Equal("region-stats", parsed.Command.Name);
        Assert.Equal("limiter", parsed.Switch("-r"));
    }

    [Fact]
    public void Multi_word_commands_positional_arguments_and_json()
    {
        Assert.True(CommandParser.TryParse(All, CommandParser.Tokenize("tracy ratelimit reset openai --json"), out var parsed, out _));
        Assert.Equal("ratelimit reset", parsed!.Command.Name);
        Assert.Equal(["openai"], parsed.Arguments);
        Assert.True(parsed.Json);
    }

    [Theory]
    [InlineData("cluster down", "needs -a")]
    [InlineData("cluster down -x 1", "unknown switch '-x'")]
    [InlineData("nope", "unknown palette 'nope'")]
    [InlineData("cluster", "needs a command")]
    public void Errors_name_the_problem(string line, string expected)
    {
        Assert.False(CommandParser.TryParse(All, CommandParser.Tokenize(line), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

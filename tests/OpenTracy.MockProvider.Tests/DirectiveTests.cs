namespace OpenTracy.MockProvider.Tests;

public sealed class DirectiveTests
{
    [Fact]
    public void Parses_every_key()
    {
        var d = Directive.Parse("hi [mock id=s1 status=429 fail-times=2 retry-after=3 delay-ms=40 chunks=5 chunk-delay-ms=6 drop-after=1 tool=t args={} garbage=1 content-type=text/html hang=1 error-after=2] there");
        Assert.Equal("s1", d.Id);
        Assert.Equal(429, d.Status);
        Assert.Equal(2, d.FailTimes);
        Assert.Equal("3", d.RetryAfter);
        Assert.Equal(40, d.DelayMs);
        Assert.Equal(5, d.Chunks);
        Assert.Equal(6, d.ChunkDelayMs);
        Assert.Equal(1, d.DropAfter);
        Assert.Equal("t", d.Tool);
        Assert.Equal("{}", d.Args);
        Assert.True(d.Garbage);
        Assert.Equal("text/html", d.ContentType);
        Assert.True(d.Hang);
        Assert.Equal(2, d.ErrorAfter);
        Assert.Equal("hi there", d.CleanText);
    }

    [Fact]
    public void Json_values_may_contain_spaces_brackets_and_quoted_brackets()
    {
        var d = Directive.Parse("[mock id=t1 tool=get_weather args={\"city\": \"Paris ]\", \"days\": [1, 2]}] what's up");
        Assert.Equal("t1", d.Id);
        Assert.Equal("get_weather", d.Tool);
        Assert.Equal("{\"city\": \"Paris ]\", \"days\": [1, 2]}", d.Args);
        Assert.Equal("what's up", d.CleanText);
    }

    [Fact]
    public void No_directive_leaves_text_trimmed()
    {
        var d = Directive.Parse("  plain [mocking] text [mockery x=1] ");
        Assert.Null(d.Id);
        Assert.Equal("plain [mocking] text [mockery x=1]", d.CleanText);
    }

    [Fact]
    public void Unknown_keys_and_bad_values_are_ignored()
    {
        var d = Directive.Parse("[mock colour=blue status=abc delay-ms=-5 chunks=0 id=ok]");
        Assert.Equal("ok", d.Id);
        Assert.Equal(0, d.Status);
        Assert.Equal(0, d.DelayMs);
        Assert.Equal(0, d.Chunks);
        Assert.Equal("", d.CleanText);
    }

    [Fact]
    public void Keys_are_case_insensitive_and_several_directives_merge()
    {
        var d = Directive.Parse("a [MOCK ID=x] b [mock status=500] c");
        Assert.Equal("x", d.Id);
        Assert.Equal(500, d.Status);
        Assert.Equal("a b c", d.CleanText);
    }

    [Fact]
    public void Unbalanced_json_falls_back_to_a_plain_token()
    {
        var d = Directive.Parse("[mock args={\"a\": id=z] tail");
        Assert.Equal("{\"a\":", d.Args);
        Assert.Equal("z", d.Id);
        Assert.Equal("tail", d.CleanText);
    }

    [Fact]
    public void Unterminated_directive_runs_to_the_end()
    {
        var d = Directive.Parse("hello [mock id=q status=503");
        Assert.Equal("q", d.Id);
        Assert.Equal(503, d.Status);
        Assert.Equal("hello", d.CleanText);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[mock")]
    [InlineData("[mock ")]
    [InlineData("[mock]")]
    [InlineData("[mock =]")]
    [InlineData("[mock ===== ]]]]")]
    [InlineData("[mock args=\"\\")]
    [InlineData("[mock args={\"\\\"}")]
    [InlineData("[mock id=\"quoted id\" ]")]
    [InlineData("[mock\targs=[[[[ ]")]
    [InlineData("[mock args=}}} ]")]
    public void Odd_text_never_throws(string text)
    {
        var d = Directive.Parse(text);
        Assert.NotNull(d.CleanText);
    }

    [Fact]
    public void Random_text_never_throws()
    {
        var rnd = new Random(1234);
        const string alphabet = "[]{}\"\\= mockidstatu-0123456789\t\n";
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[rnd.Next(0, 40)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[rnd.Next(alphabet.Length)];
            }
            var text = (rnd.Next(2) == 0 ? "[mock " : "") + new string(chars);
            _ = Directive.Parse(text);
        }
    }

    [Fact]
    public void Quoted_values_are_unquoted_except_args()
    {
        var d = Directive.Parse("[mock id=\"my id\" content-type=\"text/plain; charset=utf-8\" args=\"x y\"]");
        Assert.Equal("my id", d.Id);
        Assert.Equal("text/plain; charset=utf-8", d.ContentType);
        Assert.Equal("\"x y\"", d.Args);
    }
}

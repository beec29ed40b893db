using OpenTracy.Routing.Embedding;
using OpenTracy.Routing.Scoring;

namespace OpenTracy.Routing.Tests;

public sealed class BertTextNormalizerTests
{
    [Theory]
    [InlineData("hello world", "hello world")]
    [InlineData("Hello, world! (x+y)=z", "Hello, world! (x+y)=z")] // printable ASCII: untouched (the tokenizer splits it)
    [InlineData("line one\nline two\tthree", "line one line two three")]
    [InlineData("  padded \r\n\r\n text  ", "padded text")]
    [InlineData("bell\u0007char", "bellchar")]
    [InlineData("¿Qué tal?", "¿ Qué tal ?")]
    [InlineData("他说：你好", "他 说 ： 你 好")]
    [InlineData("naïve café", "naïve café")]
    [InlineData("“quoted”", "“ quoted ”")]
    public void Matches_bert_basic_splitting(string input, string expected)
        => Assert.Equal(expected, BertTextNormalizer.Normalize(input, 1000));

    [Fact]
    public void Cuts_long_text_to_the_limit()
        => Assert.Equal("abcde", BertTextNormalizer.Normalize("abcdefghij", 5));

    [Fact]
    public void Drops_a_surrogate_half_left_by_the_cut()
        => Assert.Equal("ab", BertTextNormalizer.Normalize("ab\U0001F600", 3));
}

public sealed class GoFloatTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(0.5, "0.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(2.5, "2.5")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(100.0, "100")]
    [InlineData(123456.0, "123456")]
    [InlineData(1000000.0, "1e+06")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(0.000015, "1.5e-05")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e-100, "1e-100")]
    [InlineData(0.00625, "0.00625")]
    public void Formats_like_go_percent_g(double value, string expected) => Assert.Equal(expected, GoFloat.G(value));
}

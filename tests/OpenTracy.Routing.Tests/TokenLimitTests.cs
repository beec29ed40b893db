namespace OpenTracy.Routing.Tests;

[Collection(MiniLmCollection.Name)]
public sealed class TokenLimitTests(MiniLmFixture model)
{
    [Fact]
    public void Long_texts_keep_the_words_that_fit_in_128_tokens()
    {
        var words = string.Join(' ', Enumerable.Repeat("word", 300));
        Assert.Equal(string.Join(' ', Enumerable.Repeat("word", 126)), model.Encoder.Prepare(words));

        // "tokenization" is two pieces ("token", "##ization"): 63 of them fill the 126 pieces
        var multiPiece = string.Join(' ', Enumerable.Repeat("tokenization", 100));
        Assert.Equal(string.Join(' ', Enumerable.Repeat("tokenization", 63)), model.Encoder.Prepare(multiPiece));

        const string shortText = "short texts are left alone";
        Assert.Same(shortText, model.Encoder.Prepare(shortText));
    }

    [Fact]
    public void A_long_run_without_spaces_is_cut_inside_the_run()
    {
        var run = string.Join(',', Enumerable.Repeat("a", 200)); // 399 pieces, no space
        var prepared = model.Encoder.Prepare(run);
        Assert.StartsWith("a,a,a", prepared);
        Assert.InRange(prepared.Length, 120, 126);
    }

    [Fact]
    public async Task The_model_sees_only_the_first_128_tokens()
    {
        var head = string.Join(' ', Enumerable.Range(0, 126).Select(i => i % 2 == 0 ? "alpha" : "beta"));
        var full = await model.Embedder.EmbedAsync(head + " and then a tail about something else entirely");
        var truncated = await model.Embedder.EmbedAsync(head);
        Assert.True(full.Span.SequenceEqual(truncated.Span) || MaxDiff(full.Span, truncated.Span) < 1e-6);
    }

    private static double MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}

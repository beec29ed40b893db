namespace OpenTracy.MockProvider.Tests;

public sealed class StreamPlanTests
{
    [Theory]
    [InlineData("", 3, 3, "Finish")]
    [InlineData("[mock drop-after=0]", 3, 0, "Drop")]
    [InlineData("[mock drop-after=1]", 3, 1, "Drop")]
    [InlineData("[mock drop-after=9]", 3, 3, "Drop")]
    [InlineData("[mock error-after=2]", 3, 2, "Error")]
    [InlineData("[mock error-after=9]", 3, 3, "Error")]
    [InlineData("[mock drop-after=2 error-after=2]", 4, 2, "Drop")]
    [InlineData("[mock drop-after=3 error-after=1]", 4, 1, "Error")]
    [InlineData("[mock drop-after=9 error-after=7]", 3, 3, "Drop")]
    [InlineData("[mock drop-after=0]", 0, 0, "Drop")]
    public void Directives_choose_pieces_and_end(string directive, int pieceCount, int pieces, string end)
    {
        Assert.Equal(new StreamPlan(pieces, Enum.Parse<StreamEnd>(end)), StreamPlan.For(Directive.Parse(directive), pieceCount));
    }

    /// <summary>The plan agrees with the per-piece loop every wire format used to run.</summary>
    [Fact]
    public void Matches_the_piece_by_piece_rule()
    {
        for (var count = 0; count <= 4; count++)
        {
            for (var drop = -1; drop <= 6; drop++)
            {
                for (var error = -1; error <= 6; error++)
                {
                    var d = new Directive { DropAfter = drop, ErrorAfter = error };
                    Assert.Equal(Reference(d, count), StreamPlan.For(d, count));
                }
            }
        }
    }

    private static StreamPlan Reference(Directive d, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (i == d.DropAfter)
            {
                return new StreamPlan(i, StreamEnd.Drop);
            }
            if (i == d.ErrorAfter)
            {
                return new StreamPlan(i, StreamEnd.Error);
            }
        }
        if (d.DropAfter >= 0)
        {
            return new StreamPlan(count, StreamEnd.Drop);
        }
        return d.ErrorAfter >= 0 ? new StreamPlan(count, StreamEnd.Error) : new StreamPlan(count, StreamEnd.Finish);
    }
}

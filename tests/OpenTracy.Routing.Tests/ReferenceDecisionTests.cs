namespace OpenTracy.Routing.Tests;

/// <summary>Real MiniLM embeddings against the reference weights (mmlu_full.npz, 10 profiles).</summary>
[Collection(MiniLmCollection.Name)]
public sealed class ReferenceDecisionTests(MiniLmFixture model)
{
    /// <summary>
    /// Pinned once from this implementation (λ = 0 and λ = 20); they must never drift: the embedding, the
    /// nearest-centroid rule and the deterministic tiebreak make every decision reproducible.
    /// </summary>
    public static TheoryData<string, int, string, string> Pinned => new()
    {
        { "What is the derivative of sin(x) * x^2?", 99, "ministral-3b-latest", "ministral-3b-latest" },
        { "Which enzyme unwinds the DNA double helix during replication?", 58, "mistral-large-latest", "mistral-large-latest" },
        { "Write a Python function that checks whether a string is a palindrome.", 88, "gpt-4o", "gpt-4o" },
        { "What were the main causes of the First World War?", 40, "gpt-4o", "gpt-4o-mini" },
        { "Under US contract law, what makes an offer irrevocable?", 45, "gpt-4o", "gpt-4o-mini" },
        { "A patient presents with chest pain radiating to the left arm. What is the first test?", 20, "gpt-4o", "gpt-4o-mini" },
        { "Explain the difference between a stock and a bond.", 0, "gpt-4o", "mistral-large-latest" },
        { "What is the moral philosophy of Immanuel Kant?", 32, "mistral-large-latest", "mistral-large-latest" },
    };

    [Theory]
    [MemberData(nameof(Pinned))]
    public async Task Fixed_prompts_give_fixed_decisions(string prompt, int cluster, string atLambda0, string atLambda20)
    {
        var router = new SemanticRouter(model.Embedder, new SemanticRouterOptions { WeightsPath = ReferenceWeights.Directory });
        Assert.Null(router.TryLoadConfigured());

        var zero = await router.RouteAsync(prompt, costWeight: 0);
        var twenty = await router.RouteAsync(prompt, costWeight: 20);
        var again = await router.RouteAsync(prompt, costWeight: 0);

        Assert.Equal(cluster, zero.ClusterId);
        Assert.Equal(atLambda0, zero.SelectedModel);
        Assert.Equal(atLambda20, twenty.SelectedModel);
        Assert.Equal(cluster, twenty.ClusterId);
        Assert.True(again.CacheHit);
        Assert.Equal(zero.SelectedModel, again.SelectedModel);
    }
}

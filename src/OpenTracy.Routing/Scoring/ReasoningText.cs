using System.Globalization;
using System.Text;

namespace OpenTracy.Routing.Scoring;

/// <summary>
/// The reasoning text of a decision, laid out as the reference engine writes it (§7.2):
/// <code>
/// Cluster: 12 (confidence: 100.00%)
/// Cost weight (λ): 0
/// Model scores:
///   gpt-4o: error=0.0000 + cost=0.0000 = 0.0000 &lt;- selected
///   ...
/// </code>
/// Every line ends with "\n"; models appear in ranking order (score, then cost, then id).
/// </summary>
public static class ReasoningText
{
    private const string SelectedMarker = " <- selected";
    private const double Percent = 100.0;

    public static string Build(int clusterId, double confidence, double costWeight, IReadOnlyList<ModelScore> ranking, string selectedModel)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"Cluster: {clusterId} (confidence: {(confidence * Percent).ToString("F2", inv)}%)\n");
        sb.Append("Cost weight (λ): ").Append(GoFloat.G(costWeight)).Append('\n');
        sb.Append("Model scores:\n");
        foreach (var s in ranking)
        {
            sb.Append("  ").Append(s.ModelId)
              .Append(": error=").Append(s.ExpectedError.ToString("F4", inv))
              .Append(" + cost=").Append(s.CostTerm.ToString("F4", inv))
              .Append(" = ").Append(s.Score.ToString("F4", inv));
            if (s.ModelId == selectedModel) sb.Append(SelectedMarker);
            sb.Append('\n');
        }
        return sb.ToString();
    }
}

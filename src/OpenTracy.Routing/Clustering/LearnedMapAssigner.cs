namespace OpenTracy.Routing.Clustering;

/// <summary>Φ = softmax(θ·x / temperature) over K clusters; the cluster is the argmax (ties → lowest index).</summary>
public sealed class LearnedMapAssigner : ClusterAssigner
{
    public const double DefaultTemperature = 1.0;

    private readonly double[][] _theta;

    public LearnedMapAssigner(double[][] theta, double temperature = DefaultTemperature)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ValidateMatrix(theta, "theta");
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a positive number");
        _theta = theta.Select(r => (double[])r.Clone()).ToArray();
        Temperature = temperature;
    }

    public override string Type => LearnedMapType;

    public double Temperature { get; }

    public override int NumClusters => _theta.Length;

    public override int Dimension => _theta[0].Length;

    protected override ClusterAssignment AssignCore(ReadOnlySpan<float> embedding)
    {
        var logits = new double[NumClusters];
        for (var k = 0; k < logits.Length; k++)
        {
            var row = _theta[k];
            var dot = 0.0;
            for (var i = 0; i < row.Length; i++) dot += row[i] * embedding[i];
            logits[k] = dot / Temperature;
        }
        // numerically stable softmax
        var max = logits.Max();
        var sum = 0.0;
        for (var k = 0; k < logits.Length; k++)
        {
            logits[k] = Math.Exp(logits[k] - max);
            sum += logits[k];
        }
        for (var k = 0; k < logits.Length; k++) logits[k] /= sum;
        return new ClusterAssignment(ArgMax(logits), logits);
    }
}

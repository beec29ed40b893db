namespace OpenTracy.Routing.Clustering;

/// <summary>Maps an embedding to cluster probabilities Φ(x) (§8.1 step 4). Immutable and thread-safe.</summary>
public abstract class ClusterAssigner
{
    public const string KMeansType = "kmeans";
    public const string LearnedMapType = "learned_map";

    /// <summary><c>kmeans</c> or <c>learned_map</c>, as in the weights file's <c>type</c> array.</summary>
    public abstract string Type { get; }

    /// <summary>K.</summary>
    public abstract int NumClusters { get; }

    /// <summary>d, the embedding length this assigner expects.</summary>
    public abstract int Dimension { get; }

    /// <summary>The cluster and probabilities for <paramref name="embedding"/> (length must be <see cref="Dimension"/>).</summary>
    public ClusterAssignment Assign(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != Dimension)
            throw new RoutingException(RoutingErrorKind.InvalidRequest, RoutingErrors.EmbeddingDimension(Dimension, embedding.Length));
        return AssignCore(embedding);
    }

    protected abstract ClusterAssignment AssignCore(ReadOnlySpan<float> embedding);

    /// <summary>Index of the smallest value; ties go to the lowest index.</summary>
    internal static int ArgMin(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] < values[best]) best = i;
        return best;
    }

    /// <summary>Index of the largest value; ties go to the lowest index.</summary>
    internal static int ArgMax(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Checks a K×d matrix: at least one row, all rows the same positive length, finite values.</summary>
    internal static void ValidateMatrix(double[][] rows, string what)
    {
        if (rows.Length == 0) throw new ArgumentException($"{what} has no rows");
        var d = rows[0].Length;
        if (d == 0) throw new ArgumentException($"{what} rows are empty");
        foreach (var row in rows)
        {
            if (row.Length != d) throw new ArgumentException($"{what} rows differ in length");
            foreach (var v in row)
                if (!double.IsFinite(v)) throw new ArgumentException($"{what} contains a non-finite value");
        }
    }
}

/// <summary>The assigned cluster (argmax of the probabilities) and Φ(x), which sums to 1.</summary>
public sealed record ClusterAssignment(int ClusterId, IReadOnlyList<double> Probabilities)
{
    /// <summary>Φ of the assigned cluster (the reasoning text's "confidence").</summary>
    public double Confidence => Probabilities[ClusterId];
}

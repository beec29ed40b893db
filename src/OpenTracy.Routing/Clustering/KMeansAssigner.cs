namespace OpenTracy.Routing.Clustering;

/// <summary>
/// Nearest centroid by squared Euclidean distance (computed in float64; ties → lowest index), one-hot Φ.
/// </summary>
public sealed class KMeansAssigner : ClusterAssigner
{
    private readonly double[][] _centroids;

    public KMeansAssigner(double[][] centroids)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        ValidateMatrix(centroids, "centroids");
        _centroids = centroids.Select(r => (double[])r.Clone()).ToArray();
    }

    public override string Type => KMeansType;

    public override int NumClusters => _centroids.Length;

    public override int Dimension => _centroids[0].Length;

    /// <summary>A copy of centroid <paramref name="k"/>.</summary>
    public double[] GetCentroid(int k) => (double[])_centroids[k].Clone();

    protected override ClusterAssignment AssignCore(ReadOnlySpan<float> embedding)
    {
        Span<double> distances = NumClusters <= StackLimit ? stackalloc double[NumClusters] : new double[NumClusters];
        for (var k = 0; k < _centroids.Length; k++) distances[k] = SquaredDistance(_centroids[k], embedding);
        var best = ArgMin(distances);
        var probabilities = new double[NumClusters];
        probabilities[best] = 1.0;
        return new ClusterAssignment(best, probabilities);
    }

    private const int StackLimit = 1024;

    internal static double SquaredDistance(ReadOnlySpan<double> centroid, ReadOnlySpan<float> x)
    {
        var sum = 0.0;
        for (var i = 0; i < centroid.Length; i++)
        {
            var diff = centroid[i] - x[i];
            sum += diff * diff;
        }
        return sum;
    }
}

namespace OpenTracy.Routing.Training;

/// <summary>
/// The result of <see cref="KMeans.Fit"/>: K centroids, each point's cluster, the iterations of the kept run,
/// and its inertia (sum of squared distances of points to their centroids).
/// </summary>
public sealed record KMeansResult(double[][] Centroids, int[] Labels, int Iterations, bool Converged, double Inertia);

/// <summary>
/// k-means (squared Euclidean): k-means++ initialisation from a seeded <see cref="Random"/>, then Lloyd
/// iterations until no point changes cluster or <c>maxIterations</c>. A cluster that loses all its points is
/// re-seeded with the point farthest from its centroid. Like scikit-learn's <c>n_init</c>, the whole run is
/// repeated <c>restarts</c> times (seeds <c>seed</c>, <c>seed+1</c>, ...) and the run with the lowest inertia
/// is kept: one k-means++ draw easily lands in a poor local optimum. Deterministic for a given input order
/// and seed.
/// </summary>
public static class KMeans
{
    public const int DefaultMaxIterations = 300;
    public const int DefaultSeed = 42;
    public const int DefaultRestarts = 10;

    public static KMeansResult Fit(IReadOnlyList<ReadOnlyMemory<float>> points, int k,
        int maxIterations = DefaultMaxIterations, int seed = DefaultSeed, int restarts = DefaultRestarts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        KMeansResult? best = null;
        for (var run = 0; run < restarts; run++)
        {
            var result = FitOnce(points, k, maxIterations, unchecked(seed + run));
            if (best is null || result.Inertia < best.Inertia) best = result;
        }
        return best!;
    }

    private static KMeansResult FitOnce(IReadOnlyList<ReadOnlyMemory<float>> points, int k, int maxIterations, int seed)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("no points to cluster", nameof(points));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, points.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        var d = points[0].Length;
        if (points.Any(p => p.Length != d)) throw new ArgumentException("points differ in length", nameof(points));

        var centroids = InitPlusPlus(points, k, new Random(seed));
        var labels = new int[points.Count];
        Array.Fill(labels, -1);
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            var changed = Assign(points, centroids, labels);
            Update(points, centroids, labels);
            if (!changed) return new KMeansResult(centroids, labels, iteration, Converged: true, Inertia(points, centroids, labels));
        }
        return new KMeansResult(centroids, labels, maxIterations, Converged: false, Inertia(points, centroids, labels));
    }

    private static double Inertia(IReadOnlyList<ReadOnlyMemory<float>> points, double[][] centroids, int[] labels)
    {
        var sum = 0.0;
        for (var i = 0; i < points.Count; i++) sum += Distance(centroids[labels[i]], points[i].Span);
        return sum;
    }

    private static double[][] InitPlusPlus(IReadOnlyList<ReadOnlyMemory<float>> points, int k, Random random)
    {
        var centroids = new double[k][];
        centroids[0] = ToDouble(points[random.Next(points.Count)].Span);
        var nearest = new double[points.Count];
        for (var i = 0; i < points.Count; i++) nearest[i] = Distance(centroids[0], points[i].Span);
        for (var c = 1; c < k; c++)
        {
            var total = nearest.Sum();
            int chosen;
            if (total <= 0)
            {
                // every point coincides with a centroid already: take the first unused index
                chosen = c;
            }
            else
            {
                var target = random.NextDouble() * total;
                chosen = points.Count - 1;
                double cumulative = 0;
                for (var i = 0; i < nearest.Length; i++)
                {
                    cumulative += nearest[i];
                    if (cumulative > target)
                    {
                        chosen = i;
                        break;
                    }
                }
            }
            centroids[c] = ToDouble(points[chosen].Span);
            for (var i = 0; i < points.Count; i++) nearest[i] = Math.Min(nearest[i], Distance(centroids[c], points[i].Span));
        }
        return centroids;
    }

    private static bool Assign(IReadOnlyList<ReadOnlyMemory<float>> points, double[][] centroids, int[] labels)
    {
        var changed = false;
        for (var i = 0; i < points.Count; i++)
        {
            var best = Nearest(centroids, points[i].Span);
            if (labels[i] != best)
            {
                labels[i] = best;
                changed = true;
            }
        }
        return changed;
    }

    private static void Update(IReadOnlyList<ReadOnlyMemory<float>> points, double[][] centroids, int[] labels)
    {
        var d = centroids[0].Length;
        var sums = new double[centroids.Length][];
        var counts = new int[centroids.Length];
        for (var c = 0; c < sums.Length; c++) sums[c] = new double[d];
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i].Span;
            var sum = sums[labels[i]];
            for (var j = 0; j < d; j++) sum[j] += p[j];
            counts[labels[i]]++;
        }
        for (var c = 0; c < centroids.Length; c++)
        {
            if (counts[c] == 0)
            {
                var far = Farthest(points, centroids, labels);
                centroids[c] = ToDouble(points[far].Span);
                labels[far] = c;
                continue;
            }
            for (var j = 0; j < d; j++) centroids[c][j] = sums[c][j] / counts[c];
        }
    }

    private static int Farthest(IReadOnlyList<ReadOnlyMemory<float>> points, double[][] centroids, int[] labels)
    {
        var best = 0;
        var bestDistance = double.NegativeInfinity;
        for (var i = 0; i < points.Count; i++)
        {
            var distance = Distance(centroids[labels[i]], points[i].Span);
            if (distance > bestDistance)
            {
                bestDistance = distance;
                best = i;
            }
        }
        return best;
    }

    /// <summary>Nearest centroid; ties → lowest index.</summary>
    internal static int Nearest(double[][] centroids, ReadOnlySpan<float> point)
    {
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var c = 0; c < centroids.Length; c++)
        {
            var distance = Distance(centroids[c], point);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }
        return best;
    }

    private static double Distance(double[] centroid, ReadOnlySpan<float> point)
    {
        var sum = 0.0;
        for (var j = 0; j < centroid.Length; j++)
        {
            var diff = centroid[j] - point[j];
            sum += diff * diff;
        }
        return sum;
    }

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var j = 0; j < values.Length; j++) result[j] = values[j];
        return result;
    }
}

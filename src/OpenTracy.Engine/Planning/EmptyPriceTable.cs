namespace OpenTracy.Engine.Planning;

/// <summary>A price table that knows no model: no <c>cost</c>, least-cost keeps configured order.</summary>
public sealed class EmptyPriceTable : IPriceTable
{
    public static readonly EmptyPriceTable Instance = new();

    public ModelPrice? Find(string model) => null;
}

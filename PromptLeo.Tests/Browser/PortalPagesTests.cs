namespace PromptLeo.Tests.Browser;

/// <summary>The accessibility and phone walks cover every routable page: a new page must be walked or excluded with a reason.</summary>
public sealed class PortalPagesTests
{
    [Fact]
    public void Routes_EveryPage_WalkedOrExcludedWithReason()
    {
        var routes = PortalPages.Routes();
        var covered = PortalPages.Walked.Select(p => p.Route).Concat(PortalPages.Excluded.Keys).ToHashSet();
        var missing = routes.Except(covered).Order().ToList();
        var stale = covered.Except(routes).Order().ToList();
        Assert.True(missing.Count == 0, "Pages neither walked nor excluded (add them to PortalPages): " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "PortalPages names routes the portal no longer has: " + string.Join(", ", stale));
        Assert.All(PortalPages.Excluded, e => Assert.False(string.IsNullOrWhiteSpace(e.Value), $"{e.Key} is excluded without a reason"));
        Assert.Contains("/chat", routes);
    }

    [Fact]
    public void Walked_EachPathFilled_NoPlaceholderLeft()
    {
        var seed = new Dictionary<string, string> { ["conversation"] = "c", ["organization"] = "o", ["incident"] = "1", ["erasure"] = "e" };
        Assert.All(PortalPages.Walked, p => Assert.DoesNotContain("{", PortalPages.Fill(p.Path, seed)));
        Assert.Equal(PortalPages.Walked.Length, PortalPages.Walked.Select(p => p.Route).Distinct().Count());
    }
}

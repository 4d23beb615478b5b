using PromptLeo.Web.Components.Shared;

namespace PromptLeo.Tests.Components.Shared;

public class CircuitBoundComponentTests
{
    private sealed class Page : CircuitBoundComponent
    {
        public CancellationToken Token => Circuit;

        public bool Released { get; private set; }

        protected override void OnDisposing() => Released = true;
    }

    [Fact]
    public void Dispose_PageLeft_CancelsTheCircuitTokenAndReleasesThePage()
    {
        var page = new Page();
        var token = page.Token;
        Assert.False(token.IsCancellationRequested);

        page.Dispose();

        Assert.True(token.IsCancellationRequested);
        Assert.True(page.Released);
    }
}

using Microsoft.AspNetCore.Components;

namespace PromptLeo.Web.Components.Shared;

/// <summary>
/// A page or panel whose store calls stop when the user leaves it: pass <see cref="Circuit"/> to every call.
/// Blazor calls only <c>DisposeAsync</c> on a component that has both, so an <see cref="IAsyncDisposable"/> page calls
/// <see cref="Dispose"/> from it.
/// </summary>
public abstract class CircuitBoundComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource circuit = new();

    /// <summary>Cancelled when the component goes (page left, tab closed, circuit dropped).</summary>
    protected CancellationToken Circuit => circuit.Token;

    public void Dispose()
    {
        OnDisposing();
        circuit.Cancel();
        circuit.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the component holds besides the circuit token.</summary>
    protected virtual void OnDisposing()
    {
    }
}

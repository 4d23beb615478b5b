namespace PromptLeo.Web.Features.Billing;

/// <summary>Which of the caps checked in one reservation refused a request.</summary>
public enum BudgetLimit
{
    /// <summary>The organization's monthly budget over all members and keys.</summary>
    Organization,

    /// <summary>The member's own monthly budget in the organization (portal and keys together).</summary>
    Member,

    /// <summary>The monthly budget of the API key that was used.</summary>
    ApiKey,

    /// <summary>The organization's prepaid credit.</summary>
    PrepaidCredit,
}

/// <summary>The budget refuses the request (HTTP 402 on the API); <see cref="Limit"/> names the cap that was hit.</summary>
public sealed class BudgetExceededException(string message, BudgetLimit limit = BudgetLimit.Organization) : Exception(message)
{
    public BudgetLimit Limit { get; } = limit;

    /// <summary>The refusal in clear English, as the API returns it.</summary>
    public static BudgetExceededException For(BudgetLimit limit) => new(limit switch
    {
        BudgetLimit.Organization => "This request could exceed the monthly budget of the organization. An owner or billing member can raise it on the billing page.",
        BudgetLimit.Member => "This request could exceed your monthly budget in this organization. An owner or admin can raise it on the members page.",
        BudgetLimit.ApiKey => "This request could exceed the monthly budget of this API key.",
        _ => "The prepaid credit of the organization is not enough for this request. An owner or billing member can top it up on the billing page.",
    }, limit);
}

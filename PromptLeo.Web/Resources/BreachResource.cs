namespace PromptLeo.Web.Resources;

/// <summary>Marker for the breach register's strings (admin incidents pages). Keys are the English text.</summary>
public sealed class BreachResource;

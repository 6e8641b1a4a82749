namespace Scan.Tests.Reliability;

/// <summary>
/// One row of a bad-input table: an entry point called with one bad argument, the exception it must throw, the
/// argument name it must carry and the words (the bad value among them) its message must contain.
/// </summary>
/// <param name="Name">The row's name in test output: "entry point: what is wrong".</param>
/// <param name="Act">Calls the entry point.</param>
/// <param name="Exception">The exception type expected (or a base of it).</param>
/// <param name="ParamName">The <see cref="ArgumentException.ParamName"/> expected; null for other exceptions.</param>
/// <param name="MessageParts">Texts the message must contain.</param>
public sealed record BadInput(string Name, Func<Task> Act, Type Exception, string? ParamName, params string[] MessageParts)
{
    public static BadInput Sync(string name, Action act, Type exception, string? paramName, params string[] messageParts) =>
        new(name, () => { act(); return Task.CompletedTask; }, exception, paramName, messageParts);

    public override string ToString() => Name;
}

internal static class BadInputTable
{
    /// <summary>The rows' names, for <c>[MemberData]</c> (names serialise; delegates do not).</summary>
    public static TheoryData<string> Names(IEnumerable<BadInput> rows)
    {
        var names = rows.Select(r => r.Name).ToList();
        names.Should().OnlyHaveUniqueItems();
        return new TheoryData<string>(names);
    }

    public static async Task Check(IEnumerable<BadInput> rows, string name)
    {
        var row = rows.Single(r => r.Name == name);
        Exception? caught = null;
        try
        {
            await row.Act();
        }
        catch (Exception e)
        {
            caught = e;
        }

        caught.Should().NotBeNull($"{row.Name} must be refused");
        caught.Should().BeAssignableTo(row.Exception, $"{row.Name}: {caught!.GetType().Name}: {caught.Message}");
        if (row.ParamName is not null)
            ((ArgumentException)caught).ParamName.Should().Be(row.ParamName, caught.Message);
        foreach (var part in row.MessageParts)
            caught.Message.Should().Contain(part);
    }
}

using System.Globalization;
using System.Reflection;
using Scan.Tests.Shared;

namespace Scan.Losses.Tests.Reliability;

/// <summary>RELIABILITY.md's loss row quotes the cases these tests run, so the table cannot drift from the tests.</summary>
public sealed class LossReliabilityRowTests
{
    [Fact]
    public void The_malformed_loss_inputs_row_quotes_the_generated_cases_the_tests_run()
    {
        int properties = typeof(LossValuePropertyTests).GetMethods().Count(m => m.GetCustomAttribute<FactAttribute>() is not null);
        string expected = string.Create(CultureInfo.InvariantCulture,
            $"| {LossPropertyCounts.MalformedCalls:N0} + {LossPropertyCounts.MalformedEntropyCalls:N0} malformed; {properties} x {LossPropertyCounts.ValidCasesPerProperty:N0} valid |");

        ReliabilityTable.Row("Malformed loss inputs (property-based, CsCheck)").Should().Contain(expected);
    }
}

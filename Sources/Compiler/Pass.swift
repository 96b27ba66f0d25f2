/// One step of the compiler (PACMAN style): a transform over immutable data plus the checker
/// that proves the transform kept its contract.
///
/// `run` reports every way the model violates the target into `diagnostics` and still returns
/// a best-effort result, so that the later passes can report their violations in the same run.
/// `check` returns broken invariants of the result (compiler bugs), empty when it is correct.
public protocol CompilerPass {
    associatedtype Input
    associatedtype Output
    static var name: String { get }
    func run(_ input: Input, diagnostics: inout Diagnostics) throws -> Output
    func check(_ input: Input, _ output: Output) -> [String]
}

extension CompilerPass {
    /// Runs the pass and then its checker; a failed check throws `PassCheckFailure`.
    public func apply(_ input: Input, diagnostics: inout Diagnostics) throws -> Output {
        let output = try run(input, diagnostics: &diagnostics)
        let problems = check(input, output)
        guard problems.isEmpty else { throw PassCheckFailure(pass: Self.name, problems: problems) }
        return output
    }
}

function y = wextend(type, mode, x, l, loc)
  % 1-D signal extension, MATLAB Wavelet Toolbox calling convention, for the modes
  % ECGdeli uses: 'sp0' (repeat the border value) and 'per' (periodic). LOC is 'l',
  % 'r' or 'b' (default, both sides). Orientation of x is kept.
  if nargin < 5, loc = 'b'; end
  col = iscolumn(x);
  v = x(:).';
  switch lower(mode)
    case 'sp0'
      left = repmat(v(1), 1, l); right = repmat(v(end), 1, l);
    case 'per'
      left = v(end - l + 1:end); right = v(1:l);
    otherwise
      error('wextend: mode %s is not supported by this shim', mode);
  end
  switch lower(loc)
    case 'l', v = [left, v];
    case 'r', v = [v, right];
    otherwise, v = [left, v, right];
  end
  if col, y = v(:); else, y = v; end
end

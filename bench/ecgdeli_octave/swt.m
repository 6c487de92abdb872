function [swa, swd] = swt(x, n, varargin)
  % Stationary (undecimated) wavelet transform with the calling convention and the
  % periodic-extension / filter-upsampling steps of MATLAB's Wavelet Toolbox swt:
  %   [swa, swd] = swt(x, n, wname)  or  swt(x, n, Lo_D, Hi_D)
  % Rows of swa/swd are levels 1..n. Written for cardiokit's ECGdeli benchmark under Octave.
  if numel(varargin) == 1
    [lo, hi] = cardiokit_wfilters(varargin{1});
  else
    lo = varargin{1}; hi = varargin{2};
  end
  x = x(:).';
  s = numel(x);
  lo = lo(:).'; hi = hi(:).';
  swa = zeros(n, s); swd = zeros(n, s);
  for k = 1:n
    lf = numel(lo);
    h = lf / 2;
    xe = [x(end - h + 1:end), x, x(1:h)];          % periodic extension by lf/2 on each side
    d = conv(xe, hi); a = conv(xe, lo);             % full convolution
    swd(k, :) = d(lf + 1:lf + s);                   % keep the central s samples from lf+1
    swa(k, :) = a(lf + 1:lf + s);
    lo = reshape([zeros(1, numel(lo)); lo], 1, []); % upsample: a zero before every tap
    hi = reshape([zeros(1, numel(hi)); hi], 1, []);
    x = swa(k, :);
  end
end
